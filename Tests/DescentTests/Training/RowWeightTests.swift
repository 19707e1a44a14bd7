import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Row weights (`--weight-column`, `--class-weight`): the weighted kernels against a gradient
/// computed by hand, unit weights against the unweighted kernels bit for bit, the balanced
/// class weights, weights read from CSV and `.npy` files through the split, and weighted
/// L-BFGS with the same bits for every thread count and NUMA policy.
struct RowWeightTests {
    /// Loss and gradient sums through the full-batch evaluator.
    func evaluate<T: KernelScalar>(_ loss: Loss, _ dataset: Dataset<T>, _ weights: [T], threads: Int = 2)
        -> (T, [T])
    {
        let evaluator = GradientEvaluator(dataset: dataset, loss: loss, executor: ShardedExecutor(threads: threads))
        var gradient = [T](repeating: 0, count: weights.count)
        let value = weights.withUnsafeBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer {
                evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!)
            }
        }
        return (value, gradient)
    }

    /// sum_i w_i loss_i and sum_i w_i dloss_i/dz_k [x_i, 1], written out in float64 with libm.
    func byHand(_ loss: Loss, _ x: [[Double]], _ y: [Int], _ sw: [Double], _ weights: [Double], classes: Int)
        -> (Double, [Double])
    {
        let d = x[0].count
        let outputs = loss.outputCount(classCount: classes)
        var g = [Double](repeating: 0, count: weights.count)
        var total = 0.0
        for i in x.indices {
            let z = (0..<outputs).map { k in
                (0..<d).reduce(weights[k * (d + 1) + d]) { $0 + x[i][$1] * weights[k * (d + 1) + $1] }
            }
            var dz = [Double](repeating: 0, count: outputs)
            switch loss {
            case .logLoss:
                let p = 1 / (1 + exp(-z[0]))
                total += sw[i] * (log1p(exp(z[0])) - Double(y[i]) * z[0])
                dz[0] = sw[i] * (p - Double(y[i]))
            case .crossEntropy:
                let e = z.map(exp)
                let s = e.reduce(0, +)
                total += sw[i] * (log(s) - z[y[i]])
                for k in 0..<outputs { dz[k] = sw[i] * (e[k] / s - (k == y[i] ? 1 : 0)) }
            default:
                fatalError("not used here")
            }
            for k in 0..<outputs {
                for j in 0..<d { g[k * (d + 1) + j] += dz[k] * x[i][j] }
                g[k * (d + 1) + d] += dz[k]
            }
        }
        return (total, g)
    }

    /// 37 rows (a partial last vector), uneven weights including 0; the one-pass float64
    /// kernel (log loss), the three-pass one (softmax), and float32.
    @Test(arguments: [Loss.logLoss, .crossEntropy])
    func weightedGradientIsTheHandComputedOne(loss: Loss) {
        let classes = loss == .logLoss ? 2 : 3
        let (x, y) = blobRows(samples: 37, features: 3, centers: classes, std: 3, seed: 4)
        let sw = (0..<37).map { [0, 0.5, 3, 1, 7.25][$0 % 5] }
        let outputs = loss.outputCount(classCount: classes)
        let weights = (0..<(outputs * 4)).map { 0.03 * Double(($0 * 5) % 9) - 0.1 }
        let (expectedLoss, expected) = byHand(loss, x, y, sw, weights, classes: classes)
        let (value, gradient) = evaluate(loss, makeDataset(x, y, classes: classes, rowWeights: sw), weights)
        let scale = expected.map(abs).max()!
        #expect(abs(value - expectedLoss) <= 1e-12 * expectedLoss, "\(loss): \(value) vs \(expectedLoss)")
        for k in expected.indices {
            #expect(abs(gradient[k] - expected[k]) <= 1e-12 * scale, "\(loss) [\(k)]: \(gradient[k]) vs \(expected[k])")
        }
        // The same in float32, to float32's precision.
        let (value32, gradient32) = evaluate(
            loss, makeDataset(x, y, classes: classes, rowWeights: sw, as: Float.self), weights.map(Float.init))
        #expect(abs(Double(value32) - expectedLoss) <= 1e-5 * expectedLoss)
        for k in expected.indices { #expect(abs(Double(gradient32[k]) - expected[k]) <= 1e-5 * scale) }
        // Unweighted, the figures differ: the weights are used.
        let (plain, _) = evaluate(loss, makeDataset(x, y, classes: classes), weights)
        #expect(abs(plain - expectedLoss) > 1e-3 * expectedLoss)
    }

    /// Weights of 1 give the unweighted kernels' bits, for every loss, both precisions and
    /// row counts below a chunk, one past it and many chunks past it.
    func checkUnitWeights<T: KernelScalar>(_ type: T.Type) {
        for loss in [Loss.squaredError, .logLoss, .crossEntropy, .hinge] {
            let classes = loss.isBinary ? 2 : 3
            for rows in [37, 1025, 9 * 1024 + 333] {
                let (x, y) = blobRows(samples: rows, features: 3, centers: classes, std: 3, seed: 8)
                let weights = (0..<(loss.outputCount(classCount: classes) * 4)).map { T(0.1 * Double($0 % 5) - 0.2) }
                let plain = evaluate(loss, makeDataset(x, y, classes: classes, threads: 3, as: T.self), weights)
                let ones = evaluate(
                    loss,
                    makeDataset(
                        x, y, classes: classes, threads: 3, rowWeights: [Double](repeating: 1, count: rows), as: T.self),
                    weights)
                #expect(
                    bits([plain.0] + plain.1) == bits([ones.0] + ones.1),
                    "\(T.precisionName) \(loss) \(rows) rows: unit weights changed the bits")
            }
        }
    }

    @Test func unitWeightsKeepTheBitsFloat64() { checkUnitWeights(Double.self) }
    @Test func unitWeightsKeepTheBitsFloat32() { checkUnitWeights(Float.self) }

    @Test func balancedClassWeights() {
        // 30 rows of class 0, 10 of class 1, none of class 2: S / (k S_c) with k = 2.
        #expect(RowWeights.classWeights(.balanced, totals: [30, 10, 0]) == [40.0 / 60, 40.0 / 20, 0])
        // Already balanced: every class weighs 1.
        #expect(RowWeights.classWeights(.balanced, totals: [5, 5, 5]) == [1, 1, 1])
        // Weighted totals (scikit-learn's sample_weight= form).
        #expect(RowWeights.classWeights(.balanced, totals: [1.5, 4.5]) == [6.0 / 3, 6.0 / 9])
    }

    /// A float64 C-order `.npy` file of `rows`, as numpy.save writes it.
    func npyBytes(_ rows: [[Double]]) -> Data {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows.count), \(rows[0].count)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for row in rows {
            for v in row { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        return data
    }

    /// `--weight-column` read from a CSV (by name, between features) and a `.npy` (by index):
    /// each training and test row carries its own weight through the seeded split, the
    /// column is not a feature, and `--class-weight balanced` multiplies in S / (k S_c).
    @Test func weightsComeThroughTheSplitFromEveryReader() throws {
        var text = "a,w,b,label\n"
        var npy: [[Double]] = []
        for i in 0..<3000 {
            let row = [Double(i % 97) * 0.5, Double(i % 7) * 0.25, Double(i) * 1e-3, Double(i % 3 == 0 ? 1 : 0)]
            npy.append(row)
            text += row.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        let csv = temporaryFile(text)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let npyPath = dir.appendingPathComponent("rows.npy").path
        try npyBytes(npy).write(to: URL(fileURLWithPath: npyPath))
        for (path, column) in [(csv, "w"), (npyPath, "1")] {
            for balanced in [false, true] {
                var source = DataSource(
                    origin: .files(train: path, test: nil, labelColumn: nil), testFraction: 0.25, seed: 5)
                source.weightColumn = column
                source.classWeight = balanced ? .balanced : nil
                let data = try DataPreparation.prepare(source, as: Double.self, executor: ShardedExecutor(threads: 3))
                #expect(data.featureNames.count == 2, "\(path): the weight column is not a feature")
                let split = DataSplit(count: 3000, testFraction: 0.25, validationFraction: 0, seed: 5)
                // Class 1 (label 1.0) holds rows i % 3 == 0; totals of the file weights per class.
                var totals = [0.0, 0.0]
                for r in 0..<3000 where split.part(ofRow: r) == .train { totals[r % 3 == 0 ? 1 : 0] += npy[r][1] }
                let table = balanced ? RowWeights.classWeights(.balanced, totals: totals) : [1, 1]
                for i in 0..<data.train.rowCount {
                    let r = split.trainRow(i)
                    let expected = npy[r][1] * (balanced ? table[r % 3 == 0 ? 1 : 0] : 1)
                    #expect(data.train.weight(i) == expected, "\(path) row \(r)")
                    #expect(data.train.feature(i, 1) == npy[r][2], "\(path) row \(r): features skip the weight")
                }
                // Test rows keep their file weight (they are reported unweighted, but read whole).
                for i in 0..<data.test.rowCount { #expect(data.test.weight(i) == npy[split.testRow(i)][1]) }
            }
        }
    }

    /// Weighted L-BFGS (file weights times balanced class weights) has the same objective
    /// curve and weights for 1, 2, 3 and 8 threads and every NUMA policy, in both precisions.
    func checkDeterminism<T: KernelScalar>(_ type: T.Type) {
        for loss in [Loss.logLoss, .crossEntropy] {
            let classes = loss.isBinary ? 2 : 3
            let rows = 9 * 1024 + 333
            let (x, y) = blobRows(samples: rows, features: 3, centers: classes, std: 4, seed: 12)
            let sw = (0..<rows).map { Double(($0 * 7919) % 13) / 4 }
            var t = TrainingConfiguration()
            t.loss = loss
            t.solver = .lbfgs
            t.l2 = 0.01
            t.epochs = 15
            t.tolerance = 0
            expectSameBitsOverThreadsAndPolicies("\(T.precisionName) \(loss)") { threads, policy in
                let dataset = makeDataset(
                    x, y, classes: classes, threads: threads, policy: policy, rowWeights: sw, as: T.self)
                let r = trainLibrary(
                    dataset, t, threads: threads,
                    initial: [T](repeating: 0, count: 4 * loss.outputCount(classCount: classes)))
                return r.history.map(\.loss.bitPattern) + bits(r.weights)
            }
        }
    }

    @Test func weightedLBFGSSameBitsFloat64() { checkDeterminism(Double.self) }
    @Test func weightedLBFGSSameBitsFloat32() { checkDeterminism(Float.self) }
}
