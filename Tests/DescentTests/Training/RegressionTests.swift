import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Regression (`--task regression`, `--loss least-squares` or `huber`): the kernels' losses
/// and gradients (Huber's at its knee), L-BFGS against the closed-form ridge solution and the
/// plain reference, the test figures against their definitions, and the same bits for every
/// thread count and NUMA policy.
struct RegressionTests {
    func evaluate<T: KernelScalar>(
        _ loss: Loss, _ dataset: Dataset<T>, _ weights: [T], epsilon: Double = 0, threads: Int = 2
    ) -> (T, [T]) {
        let evaluator = GradientEvaluator(
            dataset: dataset, loss: loss, executor: ShardedExecutor(threads: threads), lossParameter: epsilon)
        var gradient = [T](repeating: 0, count: weights.count)
        let value = weights.withUnsafeBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer {
                evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!)
            }
        }
        return (value, gradient)
    }

    /// Huber at its knee: a residual of exactly epsilon costs epsilon^2 / 2 with derivative
    /// epsilon, from both pieces; just inside it is r^2 / 2 with derivative r, just outside
    /// epsilon |r| - epsilon^2 / 2 with derivative epsilon; negative residuals mirror it; and
    /// the least-squares kernel is r^2 / 2 with derivative r everywhere.
    @Test func huberAtItsKnee() {
        let epsilon = 1.5
        func huber(_ r: Double) -> (loss: Double, derivative: Double) {
            // One row: the score 0 and the target -r, so z - y = r.
            var score = SIMD8<Double>(repeating: 0)
            let loss = withUnsafeMutablePointer(to: &score) {
                HuberKernel.apply(
                    $0, stride: 1, outputs: 1, labels: SIMD8(repeating: -r), parameter: SIMD8(repeating: epsilon),
                    as: Double.self)
            }
            return (loss[0], score[0])
        }
        #expect(huber(epsilon) == (epsilon * epsilon / 2, epsilon))
        #expect(huber(-epsilon) == (epsilon * epsilon / 2, -epsilon))
        let inside = epsilon - 1e-9
        #expect(abs(huber(inside).loss - inside * inside / 2) < 1e-15 && huber(inside).derivative == inside)
        let outside = epsilon + 1e-9
        #expect(abs(huber(outside).loss - (epsilon * outside - epsilon * epsilon / 2)) < 1e-15)
        #expect(huber(outside).derivative == epsilon)
        #expect(huber(-7) == (epsilon * 7 - epsilon * epsilon / 2, -epsilon))
        #expect(huber(0.25) == (0.25 * 0.25 / 2, 0.25))
        // Central differences of the loss match the derivative on both sides of the knee.
        for r in [epsilon - 1e-3, epsilon + 1e-3, -epsilon - 1e-3, 0.3, 40] {
            let h = 1e-7
            let numeric = (huber(r + h).loss - huber(r - h).loss) / (2 * h)
            #expect(abs(numeric - huber(r).derivative) < 1e-6, "r \(r): \(numeric) vs \(huber(r).derivative)")
        }
        var score = SIMD8<Double>(repeating: 3)
        let squares = withUnsafeMutablePointer(to: &score) {
            LeastSquaresKernel.apply($0, stride: 1, outputs: 1, labels: SIMD8(repeating: 1), as: Double.self)
        }
        #expect(squares[0] == 2 && score[0] == 2)
    }

    /// The full-batch gradient of both losses against central differences of their own loss,
    /// over a dataset with a partial last vector, in float64.
    @Test(arguments: [Loss.leastSquares, .huber])
    func gradientIsTheLossDerivative(loss: Loss) {
        let (x, y) = regressionRows(samples: 1037, features: 3, noise: 30, seed: 2)
        let dataset = makeRegressionDataset(x, y, threads: 2, as: Double.self)
        var weights = [3.0, -2.0, 40.0, 1.5]
        let (_, analytic) = evaluate(loss, dataset, weights, epsilon: 20)
        let largest = analytic.map(abs).max()!
        for i in weights.indices {
            let saved = weights[i]
            let h = 1e-5
            weights[i] = saved + h
            let up = evaluate(loss, dataset, weights, epsilon: 20).0
            weights[i] = saved - h
            let down = evaluate(loss, dataset, weights, epsilon: 20).0
            weights[i] = saved
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - analytic[i]) <= 1e-6 * largest, "\(loss) [\(i)]: \(numeric) vs \(analytic[i])")
        }
    }

    /// L-BFGS on least squares with `--l2 L` reaches the ridge solution, solved here in
    /// closed form: (X'X / n + L I') w = X'y / n with the bias unpenalised.
    @Test func lbfgsReachesTheRidgeSolution() throws {
        let n = 3000
        let (x, y) = regressionRows(samples: n, features: 4, noise: 10, seed: 3)
        let l2 = 0.05
        var t = TrainingConfiguration()
        t.loss = .leastSquares
        t.solver = .lbfgs
        t.l2 = l2
        t.epochs = 200
        t.tolerance = 1e-10
        let trained = trainLibrary(
            makeRegressionDataset(x, y, as: Double.self), t, threads: 2, initial: [Double](repeating: 0, count: 5))
        // The normal equations with a column of ones, solved by Gaussian elimination.
        let d = 5
        var a = [[Double]](repeating: [Double](repeating: 0, count: d + 1), count: d)
        for i in 0..<n {
            let row = x[i] + [1]
            for p in 0..<d {
                for q in 0..<d { a[p][q] += row[p] * row[q] / Double(n) }
                a[p][d] += row[p] * y[i] / Double(n)
            }
        }
        for p in 0..<(d - 1) { a[p][p] += l2 }
        for c in 0..<d {
            let pivot = (c..<d).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            a.swapAt(c, pivot)
            for r in 0..<d where r != c {
                let f = a[r][c] / a[c][c]
                for k in c...d { a[r][k] -= f * a[c][k] }
            }
        }
        let solution = (0..<d).map { a[$0][d] / a[$0][$0] }
        for j in 0..<d {
            #expect(
                abs(trained.weights[j] - solution[j]) <= 1e-6 * max(1, abs(solution[j])),
                "w[\(j)] \(trained.weights[j]) vs \(solution[j])")
        }
    }

    /// Gradient descent on both losses follows the plain reference (float64, row by row).
    @Test(arguments: [Loss.leastSquares, .huber])
    func gradientDescentFollowsThePlainReference(loss: Loss) {
        let (x, y) = regressionRows(samples: 2100, features: 3, noise: 20, seed: 4)
        let dataset = makeRegressionDataset(x, y, threads: 3, as: Double.self)
        var t = TrainingConfiguration()
        t.loss = loss
        t.gradient = .mean
        t.alpha = 0.3
        t.epochs = 12
        t.epsilon = 5
        let initial = [Double](repeating: 0.5, count: 4)
        let fast = trainLibrary(dataset, t, threads: 3, initial: initial)
        let plain = PlainReference.train(t, dataset: dataset, initial: initial, epochs: 12)
        for (a, b) in zip(fast.history.map(\.loss), plain.losses) {
            #expect(abs(a - b) <= 1e-9 * abs(b), "\(loss): loss \(a) vs the reference's \(b)")
        }
        for (a, b) in zip(fast.weights, plain.weights) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b))) }
        #expect(fast.history.last!.loss < 0.9 * fast.history.first!.loss, "\(loss): training lowered the loss")
    }

    /// RMSE, MAE and R^2 against their definitions, and the same bits for every thread count.
    @Test func testFiguresAreTheirDefinitions() throws {
        let (x, y) = regressionRows(samples: 5000, features: 3, noise: 10, seed: 6)
        let weights = [10.0, 20.0, 30.0, 1.0]
        var first: RegressionReport?
        for threads in [1, 2, 3, 8] {
            let dataset = makeRegressionDataset(x, y, chunkRows: 1024, threads: threads, as: Double.self)
            let report = RegressionReport.of(dataset, weights: weights, executor: ShardedExecutor(threads: threads))
            if let first {
                #expect(report == first, "\(threads) threads")
                continue
            }
            first = report
            let predicted = x.map { $0[0] * 10 + $0[1] * 20 + $0[2] * 30 + 1 }
            let residuals = zip(predicted, y).map { $0 - $1 }
            let mean = y.reduce(0, +) / Double(y.count)
            let total = y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
            let squares = residuals.map { $0 * $0 }.reduce(0, +)
            #expect(abs(report.rmse - (squares / Double(y.count)).squareRoot()) <= 1e-9 * report.rmse)
            #expect(abs(report.mae - residuals.map(abs).reduce(0, +) / Double(y.count)) <= 1e-9 * report.mae)
            #expect(abs(report.r2 - (1 - squares / total)) <= 1e-9)
            #expect(report.rows == 5000)
        }
    }

    /// Regression L-BFGS (with row weights too) has the same objective curve and weights for
    /// 1, 2, 3 and 8 threads and every NUMA policy, in both precisions.
    func checkDeterminism<T: KernelScalar>(_ type: T.Type) {
        let rows = 9 * 1024 + 333
        let (x, y) = regressionRows(samples: rows, features: 3, noise: 15, seed: 7)
        for loss in [Loss.leastSquares, .huber] {
            for weighted in [false, true] {
                var t = TrainingConfiguration()
                t.loss = loss
                t.solver = .lbfgs
                t.l2 = 0.01
                t.epochs = 12
                t.tolerance = 0
                t.epsilon = 8
                let sw = weighted ? (0..<rows).map { Double($0 % 5) / 2 } : nil
                expectSameBitsOverThreadsAndPolicies("\(T.precisionName) \(loss) weighted \(weighted)") {
                    threads, policy in
                    let dataset = makeRegressionDataset(
                        x, y, threads: threads, policy: policy, rowWeights: sw, as: T.self)
                    let r = trainLibrary(dataset, t, threads: threads, initial: [T](repeating: 0, count: 4))
                    return r.history.map(\.loss.bitPattern) + bits(r.weights)
                }
            }
        }
    }

    /// A checkpoint's data fingerprint sees a target's fraction and a row's weight, so
    /// `--resume` refuses data that changed there (truncated to classes, 0.3 and 0.7 were one).
    @Test func fingerprintCoversTargetsAndWeights() {
        let x = (0..<50).map { [Double($0), 1] }
        var y = (0..<50).map { Double($0) + 0.3 }
        let first = makeRegressionDataset(x, y, as: Double.self).fingerprint()
        y[17] += 0.4
        #expect(makeRegressionDataset(x, y, as: Double.self).fingerprint() != first)
        var sw = [Double](repeating: 1, count: 50)
        let weighted = makeRegressionDataset(x, y, rowWeights: sw, as: Double.self).fingerprint()
        sw[3] = 2
        #expect(makeRegressionDataset(x, y, rowWeights: sw, as: Double.self).fingerprint() != weighted)
        let labels = (0..<50).map { $0 % 2 }
        sw[3] = 1
        let plain = makeDataset(x, labels, rowWeights: sw, as: Double.self).fingerprint()
        sw[9] = 0.5
        #expect(makeDataset(x, labels, rowWeights: sw, as: Double.self).fingerprint() != plain)
    }

    @Test func sameBitsFloat64() { checkDeterminism(Double.self) }
    @Test func sameBitsFloat32() { checkDeterminism(Float.self) }
}
