import Foundation

/// The same training written straight from the formulas: one row at a time, in row order,
/// in float64 with libm's `exp` and `log`, no chunks, no SIMD, no threads.
///
/// `descent verify` and the tests compare the fast path against it within a stated
/// tolerance (the fast path uses polynomial exp/log and sums in a tree, so the last bits
/// differ); the fast path is compared with itself bit for bit.
public enum PlainReference {
    /// Trains for `epochs` epochs from `initial` and returns the loss of every epoch and
    /// the final weights, with the meaning ``Trainer`` gives them.
    public static func train<T: KernelScalar>(_ c: TrainingConfiguration, dataset: Dataset<T>, initial: [T], epochs: Int) -> (losses: [Double], weights: [Double]) {
        let n = dataset.rowCount, d = dataset.featureCount
        let outputs = c.loss.outputCount(classCount: dataset.classCount)
        let width = d + 1
        let x: [[Double]] = (0..<n).map { r in (0..<d).map { Double(dataset.feature(r, $0)) } }
        let y: [Int] = (0..<n).map { dataset.label($0) }
        var w = initial.map(Double.init)
        var velocity = [Double](repeating: 0, count: w.count)
        var steps = 0

        /// Loss and gradient sums over `rows`.
        func lossAndGradient(_ rows: [Int]) -> (Double, [Double]) {
            var g = [Double](repeating: 0, count: w.count)
            var total = 0.0
            for r in rows {
                var z = [Double](repeating: 0, count: outputs)
                for k in 0..<outputs {
                    var s = 0.0
                    for j in 0..<d { s += x[r][j] * w[k * width + j] }
                    z[k] = s + w[k * width + d]
                }
                var dz = [Double](repeating: 0, count: outputs)
                switch c.loss {
                case .squaredError:
                    let p = 1 / (1 + exp(-z[0]))
                    let e = p - Double(y[r])
                    total += e * e
                    dz[0] = e * p * (1 - p)
                case .logLoss:
                    let p = 1 / (1 + exp(-z[0]))
                    total += max(z[0], 0) - Double(y[r]) * z[0] + log1p(exp(-abs(z[0])))
                    dz[0] = p - Double(y[r])
                case .crossEntropy:
                    let m = z.max()!
                    let e = z.map { exp($0 - m) }
                    let s = e.reduce(0, +)
                    total += log(s) - (z[y[r]] - m)
                    for k in 0..<outputs { dz[k] = e[k] / s - (k == y[r] ? 1 : 0) }
                case .hinge:
                    for k in 0..<outputs where k != y[r] {
                        let margin = z[k] - z[y[r]] + 1
                        if margin > 0 { total += margin; dz[k] += 1; dz[y[r]] -= 1 }
                    }
                }
                for k in 0..<outputs {
                    for j in 0..<d { g[k * width + j] += dz[k] * x[r][j] }
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
        func update(_ gradient: [Double], rate: Double) {
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
        for epoch in 0..<epochs {
            let rate = c.learningRate(epoch: epoch)
            switch c.optimizer {
            case .gd:
                let (loss, g) = lossAndGradient(all)
                update(g, rate: rate)
                losses.append(loss)
            case .sgd:
                let permutation = IndexPermutation(count: n, rng: CounterRNG(seed: c.seed), stream: .shuffle, round: UInt64(epoch))
                let order = c.shuffle ? all.map { permutation[$0] } : all
                let batches = c.dropLast ? n / c.batchSize : (n + c.batchSize - 1) / c.batchSize
                var sum = 0.0
                for b in 0..<batches {
                    let rows = Array(order[(b * c.batchSize)..<min(n, (b + 1) * c.batchSize)])
                    let (loss, g) = lossAndGradient(rows)
                    update(g, rate: rate)
                    sum += loss
                }
                losses.append(c.fullLoss ? lossAndGradient(all).0 : (batches > 0 ? sum / Double(batches) : 0))
            }
        }
        return (losses, w)
    }
}
