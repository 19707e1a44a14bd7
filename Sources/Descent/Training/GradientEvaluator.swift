/// Computes loss and gradient over a whole dataset or one batch of it: the kernel over
/// chunks in parallel, then the fixed-order reduction.
///
/// It owns the partial buffers and the kernel's scratch, so that a full-batch epoch allocates
/// nothing per chunk.
package final class GradientEvaluator<T: KernelScalar> {
    package let dataset: Dataset<T>
    package let loss: Loss
    package let outputs: Int
    package let executor: ShardedExecutor
    package let stride: Int
    package var parameterCount: Int { stride - 1 }
    @usableFromInline let partials: UnsafeMutablePointer<T>
    let partialCapacity: Int
    /// One chunk's scratch per thread (``GradientKernel/scratchVectors(_:features:outputs:rows:)``),
    /// so that full-batch epochs and SGD pieces read in stored order allocate nothing per
    /// chunk. (Pieces from the shuffled copy go through `GradientKernel.rowMajor`, which
    /// copies them into a block of its own.)
    let scratch: UnsafeMutablePointer<T.Vector>
    let scratchPerThread: Int
    /// How partials are combined. Only the determinism harness's self-test changes it, to
    /// show that the harness catches an order-dependent reduction.
    var reduction = ReductionOrder.fixedTree
    /// SGD over several ranks with one worker: a batch split over threads is split by chunk
    /// over the ranks too (each rank needs every row: its training set is whole).
    var batchRanks: RankGroup?
    /// The ranks' shares of a batch of n chunks.
    var batchShares: [Int: RankShare] = [:]

    /// Whether the rows' weights (``Dataset/weightOffset``) multiply their losses and gradients.
    let weighted: Bool
    /// A sparse dataset's chunks in groups, one partial each (nil for a dense dataset).
    let sparseGroups: [Range<Int>]?

    /// Bytes the partials of a sparse full-batch pass may take: each group of chunks sums into
    /// one partial of the whole gradient, so with a million features a partial per chunk
    /// would take gigabytes.
    package static var sparsePartialBudget: Int { SparsePartials.budget }

    /// A sparse dataset's `chunkCount` chunks in consecutive groups, one partial each: as many
    /// as partials of `partialBytes` fit ``sparsePartialBudget``, and no more than one for
    /// every two entries a scalar of the partial (so that zeroing and adding a partial, which
    /// touches every weight, costs less than the entries' gather and scatter); at least one,
    /// at most one a chunk. The groups depend only on the data's shape, never on the threads:
    /// a group's chunks add into its partial in order, and the partials are combined by the
    /// fixed tree.
    ///
    /// Measured on 80,000 rows of 100,000 features and 76 entries a row (AMD EPYC, 2
    /// threads): a partial a chunk spent most of each pass zeroing and adding 79 partials of
    /// 800 KB for 6 MB of entries.
    static func sparseGroups(chunkCount: Int, partialBytes: Int, entries: Int = .max) -> [Range<Int>] {
        let scalars = max(1, partialBytes / MemoryLayout<T>.stride)
        let byEntries = entries == .max ? Int.max : max(1, entries / (2 * scalars))
        let count = max(1, min(chunkCount, sparsePartialBudget / max(1, partialBytes), byEntries))
        return (0..<count).map { g in (g * chunkCount / count)..<((g + 1) * chunkCount / count) }
    }

    /// - Parameter rowWeights: whether the dataset's row weights count (true for training;
    ///   the test figures count rows unweighted, as scikit-learn's metrics without sample_weight).
    /// The loss's one setting (Huber's epsilon), as the kernels take it.
    let lossParameter: T

    package init(
        dataset: Dataset<T>, loss: Loss, executor: ShardedExecutor, maximumBatchRows: Int = 0, rowWeights: Bool = true,
        lossParameter: Double = 0
    ) {
        weighted = rowWeights && dataset.weightOffset != nil
        self.lossParameter = T(lossParameter)
        precondition(
            dataset.labelBytes != 0 || dataset.holdsTargets, "the dataset's labels are packed before training")
        self.dataset = dataset
        self.loss = loss
        self.executor = executor
        outputs = loss.outputCount(classCount: dataset.classCount)
        stride = GradientKernel.partialStride(features: dataset.featureCount, outputs: outputs)
        let batchChunks = (maximumBatchRows + dataset.chunks.chunkRows - 1) / dataset.chunks.chunkRows
        sparseGroups =
            dataset.sparse == nil
            ? nil
            : GradientEvaluator.sparseGroups(
                chunkCount: dataset.chunks.chunkCount, partialBytes: stride * MemoryLayout<T>.stride,
                entries: dataset.sparse!.entryCount)
        partialCapacity = sparseGroups?.count ?? max(1, dataset.chunks.chunkCount, batchChunks)
        partials = .allocate(capacity: partialCapacity * stride)
        partials.initialize(repeating: 0, count: partialCapacity * stride)
        // The sparse kernel needs none (and a million features would make it 64 MB a thread).
        scratchPerThread =
            dataset.sparse != nil
            ? 1
            : GradientKernel.scratchVectors(
                T.self, features: dataset.featureCount, outputs: outputs, rows: dataset.chunks.chunkRows)
        scratch = .allocate(capacity: scratchPerThread * max(1, executor.threads, dataset.placement.shards.count))
    }

    deinit {
        partials.deallocate()
        scratch.deallocate()
    }

    /// Loss and gradient sums over every row. The gradient goes to `gradient`
    /// (`parameterCount` values); the summed loss is returned.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package func fullBatch(weights: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>) -> T {
        switch loss {
        case .squaredError: return fullBatch(SquaredErrorKernel.self, weights: weights, gradient: gradient)
        case .logLoss: return fullBatch(LogLossKernel.self, weights: weights, gradient: gradient)
        case .crossEntropy: return fullBatch(CrossEntropyKernel.self, weights: weights, gradient: gradient)
        case .hinge: return fullBatch(HingeKernel.self, weights: weights, gradient: gradient)
        case .leastSquares: return fullBatch(LeastSquaresKernel.self, weights: weights, gradient: gradient)
        case .huber: return fullBatch(HuberKernel.self, weights: weights, gradient: gradient)
        }
    }

    /// Loss and gradient sums over the positions `start ..< start + count` of an epoch's
    /// rows, split into chunk-sized pieces counted from `start` (each piece's partial in its
    /// own slot, combined by the fixed tree) and over threads when `parallel` is true.
    /// Returns the summed loss.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    func batch(
        weights: UnsafePointer<T>, rows: EpochRows<T>, window: BlockWindow<T>? = nil, start: Int, count: Int,
        parallel: Bool, gradient: UnsafeMutablePointer<T>
    ) -> T {
        let w = window
        switch loss {
        case .squaredError: return batch(SquaredErrorKernel.self, weights, rows, w, start, count, parallel, gradient)
        case .logLoss: return batch(LogLossKernel.self, weights, rows, w, start, count, parallel, gradient)
        case .crossEntropy: return batch(CrossEntropyKernel.self, weights, rows, w, start, count, parallel, gradient)
        case .hinge: return batch(HingeKernel.self, weights, rows, w, start, count, parallel, gradient)
        case .leastSquares: return batch(LeastSquaresKernel.self, weights, rows, w, start, count, parallel, gradient)
        case .huber: return batch(HuberKernel.self, weights, rows, w, start, count, parallel, gradient)
        }
    }

    @inline(__always)
    func fullBatch<L: LossKernel>(_ kind: L.Type, weights: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>) -> T {
        if let sparse = dataset.sparse, let groups = sparseGroups {
            return sparseFullBatch(kind, rows: sparse, groups: groups, weights: weights, gradient: gradient)
        }
        let dataset = self.dataset
        let plan = dataset.placement
        let chunks = dataset.chunks
        let features = dataset.featureCount
        let outputs = self.outputs
        let stride = self.stride
        let labelBytes = dataset.labelBytes
        let partials = UncheckedBox(self.partials)
        let weights = UncheckedBox(weights)
        let scratch = UncheckedBox(self.scratch)
        let perThread = scratchPerThread
        let weighted = self.weighted
        let lossParameter = self.lossParameter
        executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
            let range = plan.shards[s].chunks
            for chunk in range {
                GradientKernel.contiguous(
                    kind, weights: weights.value, features: features, outputs: outputs,
                    block: dataset.block(chunk), stride: chunks.chunkRows,
                    labels: dataset.labels(chunk), labelBytes: labelBytes,
                    rows: chunks.rows(ofChunk: chunk).count,
                    into: partials.value + chunk * stride,
                    prefetching: chunk + 1 < range.upperBound ? UnsafePointer(dataset.block(chunk + 1)) : nil,
                    scratch: scratch.value + s * perThread,
                    rowWeights: weighted ? dataset.rowWeights(chunk).map { UnsafePointer($0) } : nil,
                    lossParameter: lossParameter)
            }
        }
        return finish(count: chunks.chunkCount, gradient: gradient, share: dataset.share)
    }

    /// A full pass over sparse rows: each group's chunks add into the group's partial in
    /// order, the threads taking consecutive groups; then the fixed tree over the groups.
    @inline(__always)
    func sparseFullBatch<L: LossKernel>(
        _ kind: L.Type, rows sparse: SparseRows<T>, groups: [Range<Int>], weights: UnsafePointer<T>,
        gradient: UnsafeMutablePointer<T>
    ) -> T {
        let dataset = self.dataset
        let chunks = dataset.chunks
        let features = dataset.featureCount
        let outputs = self.outputs
        let stride = self.stride
        let labelBytes = dataset.labelBytes
        let partials = UncheckedBox(self.partials)
        let weights = UncheckedBox(weights)
        let weighted = self.weighted
        let lossParameter = self.lossParameter
        let workers = max(1, min(executor.threads, groups.count))
        executor.run(iterations: workers) { s in
            for g in (s * groups.count / workers)..<((s + 1) * groups.count / workers) {
                let partial = partials.value + g * stride
                partial.update(repeating: 0, count: stride)
                for chunk in groups[g] {
                    SparseKernel.gradient(
                        kind, weights: weights.value, features: features, outputs: outputs,
                        offsets: sparse.offsets(chunk), indices: sparse.indices(chunk), values: sparse.values(chunk),
                        labels: dataset.labels(chunk), labelBytes: labelBytes,
                        rows: chunks.rows(ofChunk: chunk).count,
                        rowWeights: weighted ? dataset.rowWeights(chunk).map { UnsafePointer($0) } : nil,
                        lossParameter: lossParameter, into: partial)
                }
            }
        }
        return finish(count: groups.count, gradient: gradient)
    }

    @inline(__always)
    func batch<L: LossKernel>(
        _ kind: L.Type, _ weights: UnsafePointer<T>, _ rows: EpochRows<T>, _ window: BlockWindow<T>?, _ start: Int,
        _ count: Int, _ parallel: Bool, _ gradient: UnsafeMutablePointer<T>
    ) -> T {
        let chunkRows = dataset.chunks.chunkRows
        let chunkCount = (count + chunkRows - 1) / chunkRows
        precondition(chunkCount <= partialCapacity, "batch larger than the evaluator was made for")
        let features = dataset.featureCount
        let outputs = self.outputs
        let stride = self.stride
        let partials = UncheckedBox(self.partials)
        let weights = UncheckedBox(weights)
        var share: RankShare?
        if parallel, let ranks = batchRanks {
            share = batchShares[chunkCount] ?? ranks.share(chunkCount: chunkCount)
            batchShares[chunkCount] = share
        }
        let owned = share?.owned ?? 0..<chunkCount
        let iterations = parallel ? max(1, min(executor.threads, owned.count)) : 1
        let plan = dataset.placement
        let scratch = UncheckedBox(self.scratch)
        let perThread = scratchPerThread
        executor.run(iterations: iterations, node: { plan.shards.indices.contains($0) ? plan.node(ofShard: $0) : nil })
        { s in
            for chunk
                in (owned.lowerBound + s * owned.count / iterations)..<(owned.lowerBound + (s + 1) * owned.count
                    / iterations)
            {
                let first = start + chunk * chunkRows
                GradientEvaluator.piece(
                    kind, weights.value, features, outputs, rows, window, first, min(chunkRows, start + count - first),
                    into: partials.value + chunk * stride, scratch: scratch.value + s * perThread)
            }
        }
        return finish(count: chunkCount, gradient: gradient, share: share)
    }

    /// One piece of at most a chunk of positions: gathered from a block-shuffled window, from
    /// the shuffled copy, or in stored order straight from the chunk block when the piece lies
    /// inside one (else through a copy).
    @inline(__always)
    static func piece<L: LossKernel>(
        _ kind: L.Type, _ weights: UnsafePointer<T>, _ features: Int, _ outputs: Int,
        _ rows: EpochRows<T>, _ window: BlockWindow<T>?, _ first: Int, _ count: Int,
        into partial: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T.Vector>
    ) {
        if let window {
            GradientKernel.gathered(
                kind, weights: weights, features: features, outputs: outputs, rows: count,
                source: UnsafePointer(window.values),
                order: UnsafePointer(window.order + (first - window.loaded.lowerBound)),
                into: partial, scratch: scratch)
            return
        }
        if let copy = rows.copy {
            GradientKernel.rowMajor(
                kind, weights: weights, features: features, outputs: outputs, rows: count,
                source: copy + first &* rows.width, into: partial)
            return
        }
        let dataset = rows.dataset
        let chunkRows = dataset.chunks.chunkRows
        let offset = first & (chunkRows - 1)
        let padded = (count + T.lanes - 1) / T.lanes * T.lanes
        if offset + padded <= chunkRows {
            let chunk = first / chunkRows
            let labelBytes = dataset.labelBytes
            GradientKernel.contiguous(
                kind, weights: weights, features: features, outputs: outputs,
                block: dataset.block(chunk) + offset, stride: chunkRows,
                labels: dataset.labels(chunk) + offset &* labelBytes, labelBytes: labelBytes,
                rows: count, into: partial, scratch: scratch,
                rowWeights: dataset.rowWeights(chunk).map { UnsafePointer($0 + offset) })
        } else {
            GradientKernel.copied(
                kind, weights: weights, features: features, outputs: outputs, rows: count, featureStride: chunkRows,
                into: partial, row: { UnsafePointer(dataset.rowBase(first &+ $0)) },
                label: { dataset.label(first &+ $0) })
        }
    }

    /// Combines the `count` partials into the first. With `share` (a full pass on a rank of
    /// a multi-process run) the other ranks' partials join through ``RankShare/reduce(_:stride:)``,
    /// which gives the bits of the one-process tree.
    @inline(__always)
    func finish(count: Int, gradient: UnsafeMutablePointer<T>, share: RankShare? = nil) -> T {
        if let share {
            share.reduce(partials, stride: stride)
        } else if reduction == .threadCompletionOrder && count == dataset.chunks.chunkCount {
            // Chunks in the order threads running in lockstep finish them: round-robin over shards.
            let shards = dataset.placement.shards
            var order: [Int] = []
            for step in 0..<(shards.map(\.chunks.count).max() ?? 0) {
                for shard in shards where step < shard.chunks.count { order.append(shard.chunks.lowerBound + step) }
            }
            FixedOrderReduction.reduceInOrder(partials, order: order, stride: stride)
        } else {
            FixedOrderReduction.reduce(partials, count: max(1, count), stride: stride)
        }
        if count == 0 {
            for k in 0..<parameterCount { gradient[k] = 0 }
            return 0
        }
        for k in 0..<parameterCount { gradient[k] = partials[k] }
        return partials[parameterCount]
    }
}

/// How per-chunk partials are combined.
enum ReductionOrder {
    /// The fixed pairwise tree over chunk index (what training always uses).
    case fixedTree
    /// In the order threads finish their chunks when they run in lockstep: the sum then
    /// depends on the thread count. For the harness's self-test only.
    case threadCompletionOrder
}

/// The bytes a sparse pass's partials may take (``GradientEvaluator/sparsePartialBudget``): a
/// task-local value, 64 MB, that the determinism tests lower to make groups of several
/// chunks without a million features.
package enum SparsePartials {
    @TaskLocal package static var budget = 64 << 20
}
