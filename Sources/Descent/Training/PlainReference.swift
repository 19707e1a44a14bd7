import Foundation

/// The same training written straight from the formulas: one row at a time, in row order,
/// in float64 with libm's `exp` and `log`, no chunks, no SIMD, no threads.
///
/// `descent verify` and the tests compare the fast path against it within a stated
/// tolerance (the fast path uses polynomial exp/log and sums in a tree, so the last bits
/// differ); the fast path is compared with itself bit for bit.
package enum PlainReference {
    /// Trains for `epochs` epochs from `initial` and returns the loss of every epoch and
    /// the final weights, with the meaning ``Trainer`` gives them.
    package static func train<T: KernelScalar>(
        _ c: TrainingConfiguration, dataset: Dataset<T>, initial: [T], epochs: Int
    ) -> (losses: [Double], weights: [Double]) {
        let n = dataset.rowCount
        let d = dataset.featureCount
        let outputs = c.loss.outputCount(classCount: dataset.classCount)
        let width = d + 1
        // Dense rows as they are; sparse rows (``Dataset/sparse``) as their non-zeros, so that
        // a million features do not become a dense table.
        let x: [[Double]] =
            dataset.sparse == nil ? (0..<n).map { r in (0..<d).map { Double(dataset.feature(r, $0)) } } : []
        let entries: [[(Int, Double)]] =
            dataset.sparse.map { sparse in
                (0..<n).map { r in
                    let chunk = r / dataset.chunks.chunkRows
                    let local = r % dataset.chunks.chunkRows
                    let offsets = sparse.offsets(chunk)
                    return (offsets[local]..<offsets[local + 1]).map {
                        (Int(sparse.indices(chunk)[$0]), Double(sparse.values(chunk)[$0]))
                    }
                }
            } ?? []
        let regression = dataset.holdsTargets
        let y: [Int] = regression ? [Int](repeating: 0, count: n) : (0..<n).map { dataset.label($0) }
        let targets: [Double] = regression ? (0..<n).map { Double(dataset.target($0)) } : []
        let epsilon = c.lossParameter
        let sw: [Double] = (0..<n).map { Double(dataset.weight($0)) }
        var w = initial.map(Double.init)
        var velocity = [Double](repeating: 0, count: w.count)
        var steps = 0
        // SGD's K workers: each its own weights, momentum buffer and step count.
        let shares = ChunkPlan.split(n, into: max(1, c.workers))
        var workerWeights = [[Double]](repeating: w, count: shares.count)
        var workerVelocity = [[Double]](repeating: velocity, count: shares.count)
        var workerSteps = [Int](repeating: 0, count: shares.count)

        /// Loss and gradient sums over `rows` at weights `w`.
        func lossAndGradient(_ rows: [Int], _ w: [Double]) -> (Double, [Double]) {
            var g = [Double](repeating: 0, count: w.count)
            var total = 0.0
            for r in rows {
                var z = [Double](repeating: 0, count: outputs)
                for k in 0..<outputs {
                    var s = 0.0
                    if x.isEmpty {
                        for (j, v) in entries[r] { s += v * w[k * width + j] }
                    } else {
                        for j in 0..<d { s += x[r][j] * w[k * width + j] }
                    }
                    z[k] = s + w[k * width + d]
                }
                var dz = [Double](repeating: 0, count: outputs)
                var rowLoss = 0.0
                switch c.loss {
                case .squaredError:
                    let p = 1 / (1 + exp(-z[0]))
                    let e = p - Double(y[r])
                    rowLoss += e * e
                    dz[0] = e * p * (1 - p)
                case .logLoss:
                    let p = 1 / (1 + exp(-z[0]))
                    rowLoss += max(z[0], 0) - Double(y[r]) * z[0] + log1p(exp(-abs(z[0])))
                    dz[0] = p - Double(y[r])
                case .crossEntropy:
                    let m = z.max()!
                    let e = z.map { exp($0 - m) }
                    let s = e.reduce(0, +)
                    rowLoss += log(s) - (z[y[r]] - m)
                    for k in 0..<outputs { dz[k] = e[k] / s - (k == y[r] ? 1 : 0) }
                case .leastSquares:
                    let residual = z[0] - targets[r]
                    rowLoss += residual * residual / 2
                    dz[0] = residual
                case .huber:
                    let residual = z[0] - targets[r]
                    let clipped = min(max(residual, -epsilon), epsilon)
                    rowLoss +=
                        abs(residual) <= epsilon
                        ? residual * residual / 2 : epsilon * abs(residual) - epsilon * epsilon / 2
                    dz[0] = clipped
                case .hinge:
                    for k in 0..<outputs where k != y[r] {
                        let margin = z[k] - z[y[r]] + 1
                        if margin > 0 {
                            rowLoss += margin
                            dz[k] += 1
                            dz[y[r]] -= 1
                        }
                    }
                }
                // A weighted row (``Dataset/weightOffset``) counts its weight times.
                total += sw[r] * rowLoss
                for k in 0..<outputs { dz[k] *= sw[r] }
                for k in 0..<outputs {
                    if x.isEmpty {
                        for (j, v) in entries[r] { g[k * width + j] += dz[k] * v }
                    } else {
                        for j in 0..<d { g[k * width + j] += dz[k] * x[r][j] }
                    }
                    g[k * width + d] += dz[k]
                }
            }
            if c.gradient == .mean && !rows.isEmpty {
                total /= Double(rows.count)
                for i in g.indices { g[i] /= Double(rows.count) }
            }
            return (total, g)
        }

        /// torch.optim.SGD's step, written out.
        func update(
            _ gradient: [Double], rate: Double, _ w: inout [Double], _ velocity: inout [Double], _ steps: inout Int
        ) {
            for i in w.indices {
                var g = gradient[i] + c.weightDecay * w[i]
                if c.momentum != 0 {
                    velocity[i] = steps == 0 ? g : c.momentum * velocity[i] + (1 - c.dampening) * g
                    g = c.nesterov ? g + c.momentum * velocity[i] : velocity[i]
                }
                w[i] -= rate * g
            }
            steps += 1
        }

        var losses: [Double] = []
        let all = Array(0..<n)
        let l2 = c.l2 ?? 0
        /// The L2 penalty's value (L/2 |w|^2 over every weight but the biases), adding its
        /// gradient L w times `scale` to `g`.
        func penalty(_ w: [Double], _ g: inout [Double], scale: Double) -> Double {
            var squares = 0.0
            for i in w.indices where (i + 1) % width != 0 {
                squares += w[i] * w[i]
                g[i] += scale * l2 * w[i]
            }
            return 0.5 * l2 * squares
        }
        if c.resolvedSolver == .lbfgs {
            // The same L-BFGS over this file's loss and gradient: the mean loss (half of it for
            // squared error) plus the penalty, as Trainer's objective.
            let objective: LBFGS.Objective = { x, out in
                var (loss, g) = lossAndGradient(all, Array(x))
                let rows = c.gradient == .mean ? 1 : Double(n)  // lossAndGradient's sums to means
                for i in g.indices { g[i] /= rows }
                let value = loss / rows * (c.loss == .squaredError ? 0.5 : 1) + penalty(Array(x), &g, scale: 1)
                for i in g.indices { out[i] = g[i] }
                return value
            }
            var solver = LBFGS(
                x: w, memory: c.memory ?? TrainingConfiguration.defaultMemory,
                tolerance: c.tolerance ?? TrainingConfiguration.defaultTolerance, l1: c.l1 ?? 0,
                penalized: w.indices.map { ($0 + 1) % width != 0 },
                metric: Trainer.lbfgsMetric(dataset, l2: l2, l1: c.l1 ?? 0, parameters: w.count), objective: objective)
            for _ in 0..<epochs {
                let step = solver.iterate(objective)
                losses.append(step.value)
                if step.outcome != .progressed { break }
            }
            return (losses, solver.x)
        }
        if c.autoAlpha && c.optimizer == .gd {
            // --alpha auto, written out: from twice the last rate (first: a unit step), halve
            // until the loss falls by 1e-4 x rate x |g|^2.
            func evaluate(_ w: [Double]) -> (Double, [Double]) {
                var (loss, g) = lossAndGradient(all, w)
                if l2 != 0 {
                    let scale = c.gradient == .mean ? 1 : Double(n)
                    loss += scale * penalty(w, &g, scale: scale)
                }
                return (loss, g)
            }
            var (value, g) = evaluate(w)
            var last = 0.0
            for _ in 0..<epochs {
                let squares = g.reduce(0) { $0 + $1 * $1 }
                losses.append(value)
                var rate = last > 0 ? 2 * last : 1 / squares.squareRoot()
                var accepted = false
                for _ in 0..<60 where squares > 0 {
                    let trial = zip(w, g).map { $0 - rate * $1 }
                    let (next, nextGradient) = evaluate(trial)
                    if next.isFinite && next <= value - 1e-4 * rate * squares {
                        (w, value, g, last, accepted) = (trial, next, nextGradient, rate, true)
                        break
                    }
                    rate /= 2
                }
                if !accepted { break }
            }
            return (losses, w)
        }
        for epoch in 0..<epochs {
            let rate = c.learningRate(epoch: epoch)
            switch c.optimizer {
            case .gd:
                var (loss, g) = lossAndGradient(all, w)
                if l2 != 0 {
                    let scale = c.gradient == .mean ? 1 : Double(n)
                    loss += scale * penalty(w, &g, scale: scale)
                }
                update(g, rate: rate, &w, &velocity, &steps)
                losses.append(loss)
            case .sgd:
                let order: [Int]
                switch c.shuffle {
                case .full: order = EpochShuffle(count: n, seed: c.seed, epoch: epoch).order()
                case .blocks:
                    let windowRows = BlockShuffle.windowRows(
                        for: c, rows: n, rowBytes: (d + 1) * MemoryLayout<T>.stride)
                    order = BlockShuffle(count: n, seed: c.seed, epoch: epoch, windowRows: windowRows)
                        .order(shares: shares)
                case .none: order = all
                }
                // Worker k: positions shares[k] of the order, in batches; every worker's
                // model and momentum replaced by their mean every syncEvery batches.
                let batchLists = shares.map { share in
                    let count = share.count / c.batchSize + (c.dropLast || share.count % c.batchSize == 0 ? 0 : 1)
                    return (0..<count).map { b in
                        let start = share.lowerBound + b * c.batchSize
                        return Array(order[start..<(start + min(c.batchSize, share.upperBound - start))])
                    }
                }
                let most = batchLists.map(\.count).max() ?? 0
                let every = shares.count == 1 ? max(1, most) : c.resolvedSyncEvery
                var sum = 0.0
                for round in stride(from: 0, to: most, by: every) {
                    for k in shares.indices {
                        for rows in batchLists[k].dropFirst(round).prefix(every) {
                            var (loss, g) = lossAndGradient(rows, workerWeights[k])
                            if l2 != 0 {
                                // A batch's mean loss + L/2 |w|^2 (its row count times that, summed).
                                let scale = c.gradient == .mean || rows.count == 1 ? 1 : Double(rows.count)
                                loss += scale * penalty(workerWeights[k], &g, scale: scale)
                            }
                            update(g, rate: rate, &workerWeights[k], &workerVelocity[k], &workerSteps[k])
                            sum += loss
                        }
                    }
                    if shares.count > 1 {
                        for i in w.indices {
                            let meanWeight =
                                shares.indices.map { workerWeights[$0][i] }.reduce(0, +) / Double(shares.count)
                            let meanVelocity =
                                shares.indices.map { workerVelocity[$0][i] }.reduce(0, +) / Double(shares.count)
                            for k in shares.indices {
                                workerWeights[k][i] = meanWeight
                                workerVelocity[k][i] = meanVelocity
                            }
                        }
                    }
                }
                w = workerWeights[0]
                let batches = batchLists.map(\.count).reduce(0, +)
                losses.append(c.fullLoss ? lossAndGradient(all, w).0 : (batches > 0 ? sum / Double(batches) : 0))
            }
        }
        return (losses, w)
    }
}
