/// The one prediction path: a linear model's classes (and class probabilities) for rows held
/// as columns. Training's report, `descent predict` and the decision regions of `data.svg`
/// all call it, so they cannot disagree.
public enum PredictionKernel {
    /// The predicted class in each lane of one vector of rows whose column j is `load(j)`
    /// (features, in order): a binary model predicts 1 when sigmoid(z) > 0.5, as the
    /// tutorial's `predict` does; a multi-class model the first output with the largest score.
    /// The scores go to `scores` (one vector per output) when it is given. Training's report
    /// and `descent predict` both call this, so they cannot disagree.
    @inlinable @inline(__always)
    public static func classes<T: KernelScalar>(
        weights: UnsafePointer<T>, features: Int, outputs: Int,
        scores: UnsafeMutablePointer<T.Vector>?, load: (Int) -> T.Vector
    ) -> T.Vector {
        let width = features + 1
        var best = T.Vector(repeating: 0)
        var bestScore = T.Vector(repeating: 0)
        for k in 0..<outputs {
            var score = load(0) * T.Vector(repeating: weights[k * width])
            for j in 1..<width - 1 { score = score + load(j) * T.Vector(repeating: weights[k * width + j]) }
            score = score + T.Vector(repeating: weights[k * width + features])
            scores?[k] = score
            if outputs == 1 {
                best = T.indicatorPositive(T.vectorSigmoid(score) - T.Vector(repeating: 0.5))
            } else if k == 0 {
                bestScore = score
            } else {
                let better = T.indicatorPositive(score - bestScore)
                best = best + (T.Vector(repeating: T(k)) - best) * better
                bestScore = T.maximum(score, bestScore)
            }
        }
        return best
    }

    /// Predicts `rows` consecutive rows of a block: their classes into `classes` and, when
    /// `probabilities` is given, `classCount` probabilities a row into it, row-major.
    public static func predictContiguous<T: KernelScalar>(
        weights: UnsafePointer<T>, features: Int, outputs: Int, classCount: Int,
        block: UnsafePointer<T>, stride: Int, rows: Int,
        classes: UnsafeMutablePointer<Int32>, probabilities: UnsafeMutablePointer<T>?
    ) {
        predictRows(
            outputs: outputs, classCount: classCount, rows: rows, classes: classes, probabilities: probabilities
        ) {
            start, count, scores in
            @inline(__always) func load(_ column: Int) -> T.Vector {
                rowVector(block, stride: stride, column: column, start: start, count: count)
            }
            return PredictionKernel.classes(
                weights: weights, features: features, outputs: outputs, scores: scores, load: load)
        }
    }

    /// Classes and probabilities of `rows` rows, `T.lanes` at a time, from `score(start, count,
    /// scores)`, which leaves output k's scores of rows `start ..< start + count` in `scores[k]`
    /// and returns their classes.
    @inline(__always)
    static func predictRows<T: KernelScalar>(
        outputs: Int, classCount: Int, rows: Int, classes: UnsafeMutablePointer<Int32>,
        probabilities: UnsafeMutablePointer<T>?,
        score: (_ start: Int, _ count: Int, _ scores: UnsafeMutablePointer<T.Vector>) -> T.Vector
    ) {
        let lanes = T.lanes
        withUnsafeTemporaryAllocation(of: T.Vector.self, capacity: outputs) { scores in
            var start = 0
            while start < rows {
                let count = min(lanes, rows - start)
                let best = score(start, count, scores.baseAddress!)
                for lane in 0..<count { classes[start + lane] = Int32(RowSink<T>.integer(best[lane])) }
                if let probabilities {
                    if outputs == 1 {
                        let p = T.vectorSigmoid(scores[0])
                        let q = T.Vector(repeating: 1) - p
                        for lane in 0..<count {
                            probabilities[(start + lane) * 2] = q[lane]
                            probabilities[(start + lane) * 2 + 1] = p[lane]
                        }
                    } else {
                        // The largest score, in the order the class choice took it.
                        var bestScore = scores[0]
                        for k in 1..<outputs { bestScore = T.maximum(scores[k], bestScore) }
                        var total = T.Vector(repeating: 0)
                        for k in 0..<outputs {
                            scores[k] = T.vectorExp(scores[k] - bestScore)
                            total = total + scores[k]
                        }
                        for k in 0..<outputs {
                            let p = scores[k] / total
                            for lane in 0..<count { probabilities[(start + lane) * classCount + k] = p[lane] }
                        }
                    }
                }
                start += lanes
            }
        }
    }
}

extension PredictionKernel {
    /// The classes of one vector of rows from their scores (`scores[k]` for output k), as
    /// ``classes(weights:features:outputs:scores:load:)`` chooses them.
    @inlinable @inline(__always)
    package static func choose<T: KernelScalar>(_ scores: UnsafeMutablePointer<T.Vector>, outputs: Int, as _: T.Type)
        -> T.Vector
    {
        if outputs == 1 { return T.indicatorPositive(T.vectorSigmoid(scores[0]) - T.Vector(repeating: 0.5)) }
        var best = T.Vector(repeating: 0)
        var bestScore = scores[0]
        for k in 1..<outputs {
            let better = T.indicatorPositive(scores[k] - bestScore)
            best = best + (T.Vector(repeating: T(k)) - best) * better
            bestScore = T.maximum(scores[k], bestScore)
        }
        return best
    }

    /// ``predictContiguous(weights:features:outputs:classCount:block:stride:rows:classes:probabilities:)``
    /// over the compressed rows of one chunk.
    package static func predictSparse<T: KernelScalar>(
        weights: UnsafePointer<T>, features: Int, outputs: Int, classCount: Int, offsets: UnsafePointer<Int>,
        indices: UnsafePointer<UInt32>, values: UnsafePointer<T>, rows: Int,
        classes: UnsafeMutablePointer<Int32>, probabilities: UnsafeMutablePointer<T>?
    ) {
        predictRows(
            outputs: outputs, classCount: classCount, rows: rows, classes: classes, probabilities: probabilities
        ) {
            start, count, scores in
            SparseKernel.scores(
                weights: weights, features: features, outputs: outputs, offsets: offsets, indices: indices,
                values: values, start: start, count: count, into: scores)
            return choose(scores, outputs: outputs, as: T.self)
        }
    }

    /// ``predictValues(weights:features:block:stride:rows:into:)`` over compressed rows.
    package static func predictSparseValues<T: KernelScalar>(
        weights: UnsafePointer<T>, features: Int, offsets: UnsafePointer<Int>, indices: UnsafePointer<UInt32>,
        values: UnsafePointer<T>, rows: Int, into out: UnsafeMutablePointer<T>
    ) {
        withUnsafeTemporaryAllocation(of: T.Vector.self, capacity: 1) { scores in
            var start = 0
            while start < rows {
                let count = min(T.lanes, rows - start)
                SparseKernel.scores(
                    weights: weights, features: features, outputs: 1, offsets: offsets, indices: indices,
                    values: values, start: start, count: count, into: scores.baseAddress!)
                for lane in 0..<count { out[start + lane] = scores[0][lane] }
                start += T.lanes
            }
        }
    }

    /// Rows `start ..< start + count` (at most a vector's lanes) of column `column` of a block
    /// as one vector, zero past `count`.
    @inline(__always)
    static func rowVector<T: KernelScalar>(
        _ block: UnsafePointer<T>, stride: Int, column: Int, start: Int, count: Int
    ) -> T.Vector {
        if count == T.lanes {
            return UnsafeRawPointer(block + column * stride + start).loadUnaligned(as: T.Vector.self)
        }
        var v = T.Vector(repeating: 0)
        for lane in 0..<count { v[lane] = block[column * stride + start + lane] }
        return v
    }

    /// A regression model's values of `rows` consecutive rows of a block: the score
    /// ``classes(weights:features:outputs:scores:load:)`` computes (`x . w + b`, summed as the
    /// gradient kernel sums scores), into `values`.
    package static func predictValues<T: KernelScalar>(
        weights: UnsafePointer<T>, features: Int, block: UnsafePointer<T>, stride: Int, rows: Int,
        into values: UnsafeMutablePointer<T>
    ) {
        withUnsafeTemporaryAllocation(of: T.Vector.self, capacity: 1) { scores in
            var start = 0
            while start < rows {
                let count = min(T.lanes, rows - start)
                _ = classes(weights: weights, features: features, outputs: 1, scores: scores.baseAddress!) {
                    rowVector(block, stride: stride, column: $0, start: start, count: count)
                }
                for lane in 0..<count { values[start + lane] = scores[0][lane] }
                start += T.lanes
            }
        }
    }

    /// The classes of a few points given as rows of feature values (for plots and checks):
    /// laid out as one block and predicted by ``predictContiguous(weights:features:outputs:classCount:block:stride:rows:classes:probabilities:)``.
    public static func classes<T: KernelScalar>(of points: [[Double]], weights: [T], outputs: Int) -> [Int] {
        guard let features = points.first?.count, features > 0 else { return [] }
        let stride = max(1, (points.count + T.lanes - 1) / T.lanes * T.lanes)
        var block = [T](repeating: 0, count: features * stride)
        for (i, point) in points.enumerated() { for j in 0..<features { block[j * stride + i] = T(point[j]) } }
        var classes = [Int32](repeating: 0, count: points.count)
        block.withUnsafeBufferPointer { block in
            weights.withUnsafeBufferPointer { w in
                classes.withUnsafeMutableBufferPointer { out in
                    predictContiguous(
                        weights: w.baseAddress!, features: features, outputs: outputs, classCount: max(2, outputs),
                        block: block.baseAddress!, stride: stride, rows: points.count, classes: out.baseAddress!,
                        probabilities: nil)
                }
            }
        }
        return classes.map(Int.init)
    }
}
