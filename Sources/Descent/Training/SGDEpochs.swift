import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One logical SGD worker: its own model, optimizer state, scratch and share of the epoch.
final class SGDWorker<T: KernelScalar>: @unchecked Sendable {
    var weights: [T]
    var gradient: [T]
    var optimizer: Optimizer<T>
    let evaluator: GradientEvaluator<T>
    /// The worker's positions in every epoch's order.
    let positions: Range<Int>
    /// Scratch for the per-sample path's score vectors.
    let scores: UnsafeMutablePointer<T.Vector>
    /// The sum of this epoch's batch losses, in batch order.
    var lossTotal = 0.0
    /// The worker's current window of a block-shuffled epoch (`--shuffle blocks`).
    let window: BlockWindow<T>?

    init(
        weights: [T], optimizer: Optimizer<T>, evaluator: GradientEvaluator<T>, positions: Range<Int>,
        window: BlockWindow<T>?
    ) {
        self.weights = weights
        gradient = [T](repeating: 0, count: weights.count)
        self.optimizer = optimizer
        self.evaluator = evaluator
        self.positions = positions
        self.window = window
        scores = .allocate(capacity: max(1, evaluator.outputs))
    }

    deinit { scores.deallocate() }

    /// Moves the optimizer out (leaving an empty one), so the hot loop mutates a local
    /// value: no exclusivity check per step and no copy of the momentum buffer.
    func takeOptimizer() -> Optimizer<T> {
        let taken = optimizer
        optimizer = Optimizer<T>(parameterCount: 0, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0)
        return taken
    }

    /// The number of batches of `size` rows the worker runs per epoch.
    func batchCount(size: Int, dropLast: Bool) -> Int {
        positions.count / size + (dropLast || positions.count % size == 0 ? 0 : 1)
    }
}

/// Mini-batch SGD epochs, with K logical workers averaged in a fixed order.
///
/// Worker k runs ordinary sequential SGD over positions `k*n/K ..< (k+1)*n/K` of each epoch's
/// order, in batches of `batchSize`, from the weights all workers share. After every
/// `syncEvery` batches of each worker, and at the end of the epoch, the K weight vectors (and
/// momentum buffers) are summed in the fixed pairwise tree over worker index, divided by K,
/// and every worker continues from the average (model averaging, or local SGD). Threads only
/// host workers (thread t runs workers `t*K/H ..< (t+1)*K/H` of H = min(threads, K) hosts, one
/// after another), so the bits never depend on the thread count. K = 1 is plain SGD: one
/// worker, no averaging, and batches of at least `parallelBatchRows` rows split by chunk
/// over the threads.
///
/// Over several ranks (``RankGroup``), every rank holds the whole training set; worker k
/// runs on one rank (workers go to ranks in proportion to their threads) and the averaging
/// gathers every worker's buffers, as bytes, in worker order before the same fixed tree; with
/// one worker, every rank runs it and computes its own chunks of each large batch, combined
/// by ``RankShare``. Either way the bits are those of one process with the same K.
///
/// Batches of one row take a per-sample path (``GradientKernel/single(_:weights:features:outputs:row:featureStride:label:scores:gradient:)``)
/// that gives the batch kernel's bits without its per-batch set-up.
final class SGDEpochs<T: KernelScalar> {
    let configuration: TrainingConfiguration
    let rows: EpochRows<T>
    let workers: [SGDWorker<T>]
    let executor: ShardedExecutor
    /// Threads that host workers.
    let hosts: Int
    /// Scratch for averaging: K vectors of the parameters.
    var averaging: [T]
    /// The ranks of a multi-process run, and the workers this rank hosts (all K in one process).
    let ranks: RankGroup?
    let local: Range<Int>
    /// Every rank's workers (K > 1 over ranks), for gathering models and losses.
    let rankWorkers: [Range<Int>]
    /// `--shuffle blocks`: positions per window, and the current epoch's order.
    let windowRows: Int
    var blockShuffle: BlockShuffle?
    var epoch = 0

    init(trainer: Trainer<T>, initialWeights: [T]) {
        let c = trainer.configuration
        configuration = c
        executor = trainer.executor
        let n = trainer.train.rowCount
        let k = c.workers
        precondition(k >= 1 && k <= max(1, n), "SGD needs 1 to \(n) workers")
        // Over several ranks, worker k runs on the rank that owns it (in proportion to the
        // ranks' threads) and the averaging gathers the models in worker order; one worker
        // runs on every rank, each computing its chunks of every large batch.
        ranks = trainer.ranks
        rankWorkers =
            ranks.map {
                k > 1
                    ? BlockReduction.ranges(count: k, weights: $0.threads)
                    : [Range<Int>](repeating: 0..<1, count: $0.size)
            } ?? [0..<k]
        local = rankWorkers[ranks?.rank ?? 0]
        hosts = min(executor.threads, local.count)
        let shares = ChunkPlan.split(n, into: k)
        // RunConfiguration.validate refuses both for SGD in this version; a library caller
        // that builds such a Trainer hears it here rather than training on the wrong rows.
        precondition(
            trainer.train.weightOffset == nil && !trainer.train.holdsTargets,
            "SGD trains on unweighted classification rows in this version (row weights and regression targets are full batch only)"
        )
        rows = EpochRows(dataset: trainer.train, shuffle: c.shuffle == .full, executor: executor)
        let parameters = trainer.parameterCount
        let features = trainer.train.featureCount
        let windowRows = BlockShuffle.windowRows(for: c, rows: n, rowBytes: (features + 1) * MemoryLayout<T>.stride)
        self.windowRows = windowRows
        let blocks = c.shuffle == .blocks
        let hosted = Set(local)
        workers = shares.enumerated().map { index, share in
            let evaluator =
                index == 0
                ? trainer.evaluator
                : GradientEvaluator(
                    dataset: trainer.train, loss: c.loss, executor: ShardedExecutor(threads: 1),
                    maximumBatchRows: min(c.batchSize, n))
            return SGDWorker(
                weights: initialWeights,
                optimizer: Optimizer<T>(
                    parameterCount: parameters, momentum: c.momentum, dampening: c.dampening,
                    nesterov: c.nesterov, weightDecay: c.weightDecay),
                evaluator: evaluator, positions: share,
                window: blocks && hosted.contains(index)
                    ? BlockWindow(features: features, windowRows: min(windowRows, max(1, share.count))) : nil)
        }
        averaging = k > 1 ? [T](repeating: 0, count: k * parameters) : []
        if k == 1, let ranks { workers[0].evaluator.batchRanks = ranks }
    }

    /// The model after the last epoch (every worker holds it after averaging).
    var weights: [T] { workers[0].weights }

    /// The momentum buffer (the same in every worker after the end-of-epoch averaging) and
    /// each worker's step count.
    func optimizerState() -> (velocity: [T], steps: [Int]) {
        (workers[0].optimizer.velocity, workers.map(\.optimizer.steps))
    }

    /// Sets every worker's momentum buffer and step count (resuming from a checkpoint; the
    /// weights were given to the initializer).
    func restore(velocity: [T], steps: [Int]) {
        precondition(
            steps.count == workers.count,
            "the checkpoint has \(steps.count) workers' step counts, the run \(workers.count)")
        for (worker, count) in zip(workers, steps) { worker.optimizer.restore(velocity: velocity, steps: count) }
    }

    /// Runs one epoch at learning rate `rate`. Returns the epoch's loss (the mean of all
    /// batch losses: per worker in batch order, then over workers in order) and the seconds
    /// spent on the shuffled copy and on averaging.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    func run(epoch: Int, rate: T) -> (loss: Double, shuffleSeconds: Double, averageSeconds: Double) {
        let c = configuration
        rows.copySeconds = 0
        if c.shuffle == .full { rows.prepare(epoch: epoch, seed: c.seed) }
        self.epoch = epoch
        if c.shuffle == .blocks {
            blockShuffle = BlockShuffle(
                count: rows.dataset.rowCount, seed: c.seed, epoch: epoch, windowRows: windowRows)
            for worker in workers { worker.window?.loadSeconds = 0 }
        }
        let size = c.batchSize
        let counts = workers.map { $0.batchCount(size: size, dropLast: c.dropLast) }
        let most = counts.max() ?? 0
        let k = workers.count
        let every = k == 1 ? max(1, most) : c.resolvedSyncEvery
        var averageSeconds = 0.0
        for worker in workers { worker.lossTotal = 0 }
        // In one process with workers on several threads: every round in one dispatch. Over
        // ranks (whose averaging is a collective call) or on one thread: round by round.
        let oneDispatch = ranks == nil && k > 1 && hosts > 1
        if oneDispatch && most > 0 {
            averageSeconds = runRoundsInOneDispatch(counts: counts, most: most, every: every, rate: rate)
        }
        var first = oneDispatch ? most : 0
        while first < most {
            let last = min(first + every, most)
            let workers = UncheckedBox(self.workers)
            let hosts = self.hosts
            let plan = rows.dataset.placement
            let round = first
            let local = self.local
            let n = local.count
            if hosts > 0 {  // a rank may host no worker
                executor.run(
                    iterations: hosts,
                    node: { plan.shards.indices.contains($0) && hosts > 1 ? plan.node(ofShard: $0) : nil }
                ) { host in
                    for index in (local.lowerBound + host * n / hosts)..<(local.lowerBound + (host + 1) * n / hosts) {
                        self.runBatches(of: workers.value[index], from: round, to: min(last, counts[index]), rate: rate)
                    }
                }
            }
            if k > 1 {
                let started = DispatchTime.now().uptimeNanoseconds
                average()
                averageSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            }
            first = last
        }
        if k > 1, let ranks { gatherLosses(ranks) }
        var total = workers[0].lossTotal
        for worker in workers.dropFirst() { total += worker.lossTotal }
        let batches = counts.reduce(0, +)
        // Windows load on the threads that host the workers, at once: their time per host.
        let loading = workers.compactMap { $0.window?.loadSeconds }.reduce(0, +) / Double(max(1, hosts))
        return (batches > 0 ? total / Double(batches) : 0, rows.copySeconds + loading, averageSeconds)
    }

    /// Runs every averaging round of an epoch (K > 1 workers in one process, on more than one
    /// thread) in one dispatch: a wake-up of the threads costs 10-12 us on a 2-vCPU VM, more
    /// than a round of small batches.
    ///
    /// The tasks are (round, group) pairs in round-major order, group g being the workers
    /// `g K / H ..< (g + 1) K / H` of H = hosts groups. Threads claim tasks from a shared counter;
    /// a task of round r waits until round r - 1 is averaged, and the thread that finishes a
    /// round's last task averages it. A thread so waits only for tasks that running threads
    /// have claimed (every task of round r - 1 was claimed before any of round r), so the epoch
    /// completes even when `concurrentPerform` runs its iterations one after another. The
    /// averages and the batches are those of the round-by-round loop: the same bits.
    /// - Returns: the seconds spent averaging.
    func runRoundsInOneDispatch(counts: [Int], most: Int, every: Int, rate: T) -> Double {
        let k = workers.count
        let hosts = self.hosts
        let rounds = most / every + (most % every == 0 ? 0 : 1)  // --sync-every may be near Int.max
        let tasks = rounds * hosts
        let state = RoundState()
        let plan = rows.dataset.placement
        let workers = UncheckedBox(self.workers)
        let node: (Int) -> Int? = { plan.shards.indices.contains($0) ? plan.node(ofShard: $0) : nil }
        executor.run(iterations: hosts, node: node) { _ in
            while true {
                let task = state.next.add(1, ordering: .relaxed).oldValue
                if task >= tasks { return }
                let round = task / hosts
                let group = task % hosts
                if let target = node(group) { ShardedExecutor.bindCurrentThread(toNode: target) }
                var spins = 0
                while state.averaged.load(ordering: .acquiring) < round {
                    spins += 1
                    if spins > 64 { sched_yield() }
                }
                let from = round * every
                let to = min(from + every, most)
                for index in (group * k / hosts)..<((group + 1) * k / hosts) {
                    self.runBatches(of: workers.value[index], from: from, to: min(to, counts[index]), rate: rate)
                }
                if state.finished.add(1, ordering: .acquiringAndReleasing).newValue == (round + 1) * hosts {
                    let started = DispatchTime.now().uptimeNanoseconds
                    self.average()
                    state.averageSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                    state.averaged.store(round + 1, ordering: .releasing)
                }
            }
        }
        return state.averageSeconds
    }

    /// Runs batches `from ..< to` of `worker`.
    func runBatches(of worker: SGDWorker<T>, from: Int, to: Int, rate: T) {
        guard from < to else { return }
        let c = configuration
        let size = c.batchSize
        if size == 1 {
            switch c.loss {
            case .squaredError: perSample(SquaredErrorKernel.self, worker, from, to, rate)
            case .logLoss: perSample(LogLossKernel.self, worker, from, to, rate)
            case .crossEntropy: perSample(CrossEntropyKernel.self, worker, from, to, rate)
            case .hinge: perSample(HingeKernel.self, worker, from, to, rate)
            case .leastSquares, .huber:
                // RunConfiguration.validate refuses SGD for regression in this version.
                preconditionFailure("SGD does not train regression losses yet")
            }
            return
        }
        let mean = c.gradient == .mean
        let parallel = workers.count == 1 && (executor.threads > 1 || ranks != nil)
        let threshold = c.parallelBatchRows
        let l2 = T(c.l2 ?? 0)
        let width = rows.dataset.featureCount + 1
        let end = worker.positions.upperBound
        var total = worker.lossTotal
        var optimizer = worker.takeOptimizer()
        defer { worker.optimizer = optimizer }
        worker.weights.withUnsafeMutableBufferPointer { w in
            worker.gradient.withUnsafeMutableBufferPointer { g in
                for b in from..<to {
                    let start = worker.positions.lowerBound + b * size
                    let count = min(size, end - start)
                    if let window = worker.window, let shuffle = blockShuffle {
                        window.ensure(
                            position: start, share: worker.positions, shuffle: shuffle, epoch: epoch,
                            dataset: rows.dataset)
                    }
                    var loss = worker.evaluator.batch(
                        weights: w.baseAddress!, rows: rows, window: worker.window, start: start, count: count,
                        parallel: parallel && count >= threshold, gradient: g.baseAddress!)
                    if mean {
                        let n = T(count)
                        for i in 0..<g.count { g[i] = g[i] / n }
                        loss = loss / n
                    }
                    var penalty = 0.0
                    if l2 != 0 {
                        penalty = SGDEpochs.addPenalty(
                            w.baseAddress!, g.baseAddress!, count: g.count, width: width, l2: l2,
                            rows: mean ? 1 : T(count))
                    }
                    optimizer.step(weights: w.baseAddress!, gradient: g.baseAddress!, rate: rate)
                    total += Double(loss) + penalty
                }
            }
        }
        worker.lossTotal = total
    }

    /// Batches of one row: score, loss, gradient and update for each row in turn, with no
    /// per-batch dispatch (a batch of one is its own mean, so `--gradient` changes nothing).
    @inline(__always)
    func perSample<L: LossKernel>(_ kind: L.Type, _ worker: SGDWorker<T>, _ from: Int, _ to: Int, _ rate: T) {
        let dataset = rows.dataset
        let features = dataset.featureCount
        let outputs = worker.evaluator.outputs
        let copy = rows.copy
        let width = rows.width
        let chunkRows = dataset.chunks.chunkRows
        let featureStride = copy == nil ? chunkRows : 1
        let scores = worker.scores
        var total = worker.lossTotal
        let base = worker.positions.lowerBound
        let l2 = T(configuration.l2 ?? 0)
        let parameters = worker.weights.count
        var optimizer = worker.takeOptimizer()
        defer { worker.optimizer = optimizer }
        let window = worker.window
        let shuffle = blockShuffle
        let share = worker.positions
        let epoch = self.epoch
        worker.weights.withUnsafeMutableBufferPointer { w in
            worker.gradient.withUnsafeMutableBufferPointer { g in
                for position in (base + from)..<(base + to) {
                    let row: UnsafePointer<T>
                    let label: T
                    let stride: Int
                    if let window, let shuffle {
                        window.ensure(
                            position: position, share: share, shuffle: shuffle, epoch: epoch, dataset: dataset)
                        row = window.row(position &- window.loaded.lowerBound)
                        label = row[features]
                        stride = 1
                    } else {
                        row =
                            copy.map { UnsafePointer($0 + position &* width) }
                            ?? UnsafePointer(dataset.rowBase(position))
                        label = copy == nil ? RowSink<T>.scalar(Double(dataset.label(position))) : row[features]
                        stride = featureStride
                    }
                    let loss = GradientKernel.single(
                        kind, weights: w.baseAddress!, features: features, outputs: outputs,
                        row: row, featureStride: stride, label: label, scores: scores,
                        gradient: g.baseAddress!)
                    var penalty = 0.0
                    if l2 != 0 {
                        penalty = SGDEpochs.addPenalty(
                            w.baseAddress!, g.baseAddress!, count: parameters, width: features + 1, l2: l2, rows: 1)
                    }
                    optimizer.step(weights: w.baseAddress!, gradient: g.baseAddress!, rate: rate)
                    total += Double(loss) + penalty
                }
            }
        }
        worker.lossTotal = total
    }

    /// `--l2 L` for SGD: adds `rows` x L w to the gradient of every weight but the biases
    /// (`width` apart, last in each output's row) and returns the penalty `rows` x L/2 |w|^2 for
    /// the batch's reported loss. `rows` is the batch's row count with summed gradients and 1
    /// with mean ones (a batch's objective is then the mean loss + L/2 |w|^2, scikit-learn's
    /// `SGDClassifier(alpha=L)` for batches of one).
    @inline(__always)
    static func addPenalty(
        _ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, count: Int, width: Int, l2: T, rows: T
    ) -> Double {
        let strength = l2 * rows
        var squares = 0.0
        for k in 0..<count where (k + 1) % width != 0 {
            squares += Double(w[k]) * Double(w[k])
            g[k] = g[k] + strength * w[k]
        }
        return 0.5 * Double(l2) * Double(rows) * squares
    }

    /// Sets every worker's weights (and momentum buffer) to the workers' average: the sum
    /// over the fixed pairwise tree of ``FixedOrderReduction``, divided by K.
    func average() {
        averageEach { worker, body in worker.weights.withUnsafeMutableBufferPointer(body) }
        guard configuration.momentum != 0 else { return }
        averageEach { worker, body in worker.optimizer.withVelocity(body) }
    }

    /// Sets every worker's epoch loss total to the one its rank computed (K > 1 over ranks).
    func gatherLosses(_ ranks: RankGroup) {
        var mine = local.map { workers[$0].lossTotal.bitPattern }
        var all = [UInt64](repeating: 0, count: workers.count)
        mine.withUnsafeMutableBytes { m in
            all.withUnsafeMutableBytes {
                ranks.communicator.allGather(
                    UnsafeRawBufferPointer(m), counts: rankWorkers.map { $0.count * 8 }, into: $0)
            }
        }
        for (worker, bits) in zip(workers, all) { worker.lossTotal = Double(bitPattern: bits) }
    }

    /// Replaces one buffer of every worker, lent by `access`, with the workers' average.
    func averageEach(_ access: (SGDWorker<T>, (inout UnsafeMutableBufferPointer<T>) -> Void) -> Void) {
        let k = workers.count
        let p = workers[0].weights.count
        let divisor = T(k)
        averaging.withUnsafeMutableBufferPointer { scratch in
            let s = scratch.baseAddress!
            for index in local { access(workers[index]) { (s + index * p).update(from: $0.baseAddress!, count: p) } }
            if let ranks {
                // The other ranks' workers' buffers, in worker order: bytes only.
                let bytes = p * MemoryLayout<T>.stride
                let mine = UnsafeMutableRawPointer(s + local.lowerBound * p)
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, local.count * bytes), alignment: 16)
                defer { copy.deallocate() }
                copy.baseAddress!.copyMemory(from: mine, byteCount: local.count * bytes)
                ranks.communicator.allGather(
                    UnsafeRawBufferPointer(start: copy.baseAddress!, count: local.count * bytes),
                    counts: rankWorkers.map { $0.count * bytes },
                    into: UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(s), count: k * bytes))
            }
            FixedOrderReduction.reduce(s, count: k, stride: p)
            for i in 0..<p { s[i] = s[i] / divisor }
            for worker in workers { access(worker) { $0.baseAddress!.update(from: s, count: p) } }
        }
    }
}

/// The counters of ``SGDEpochs/runRoundsInOneDispatch(counts:most:every:rate:)``: tasks claimed,
/// tasks finished, rounds averaged, and the time the averaging took (written by one thread at a
/// time: the one that finishes a round).
final class RoundState: @unchecked Sendable {
    let next = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    let averaged = Atomic<Int>(0)
    var averageSeconds = 0.0
}
