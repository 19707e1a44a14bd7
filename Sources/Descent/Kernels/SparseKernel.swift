/// The kernels over compressed rows (``SparseRows``): a row's score is a gather-dot over its
/// non-zeros, its gradient a scatter-add of the loss derivative times each non-zero.
///
/// Rows go in vectors of `T.lanes`, so the loss kernels (``LossKernel``) are the dense
/// path's, lane for lane. Inside a chunk the order is fixed: each score sums the row's
/// entries in stored order (increasing feature index) and then adds the bias; the gradient
/// takes the rows in order; the losses go to one vector accumulator, summed by the fixed
/// lane tree at the end. The evaluator combines chunks in a fixed order too, so the bits
/// never depend on the thread count.
package enum SparseKernel {
    /// The scores of rows `start ..< start + count` (at most `T.lanes`) of a chunk: output k
    /// of the row in lane l goes to `scores[k][l]`; lanes past `count` get the bias alone.
    @inlinable @inline(__always)
    package static func scores<T: KernelScalar>(
        weights: UnsafePointer<T>, features: Int, outputs: Int, offsets: UnsafePointer<Int>,
        indices: UnsafePointer<UInt32>, values: UnsafePointer<T>, start: Int, count: Int,
        into scores: UnsafeMutablePointer<T.Vector>
    ) {
        let width = features &+ 1
        for k in 0..<outputs {
            let w = weights + k &* width
            var v = T.Vector(repeating: 0)
            for lane in 0..<count {
                var total: T = 0
                for e in offsets[start &+ lane]..<offsets[start &+ lane &+ 1] {
                    total = total + values[e] * w[Int(indices[e])]
                }
                v[lane] = total
            }
            scores[k] = v + T.Vector(repeating: w[features])
        }
    }

    /// Adds the loss and gradient sums of the first `rows` rows of a chunk to `partial`
    /// (``GradientKernel/partialStride(features:outputs:)`` values: the gradient in the
    /// weights' layout, then the loss).
    ///
    /// - Parameters:
    ///   - labels: the chunk's label column (`labelBytes` bytes a row, or one `T` target a row
    ///     when `labelBytes` is 0), readable to the next whole vector past `rows`.
    ///   - rowWeights: the chunk's row weights, or nil: each row's loss and derivative are
    ///     multiplied by its weight.
    @inlinable
    package static func gradient<T: KernelScalar, L: LossKernel>(
        _ loss: L.Type, weights: UnsafePointer<T>, features: Int, outputs: Int, offsets: UnsafePointer<Int>,
        indices: UnsafePointer<UInt32>, values: UnsafePointer<T>, labels: UnsafeRawPointer, labelBytes: Int,
        rows: Int, rowWeights: UnsafePointer<T>?, lossParameter: T, into partial: UnsafeMutablePointer<T>
    ) {
        let width = features &+ 1
        let parameter = T.Vector(repeating: lossParameter)
        withUnsafeTemporaryAllocation(of: T.Vector.self, capacity: max(1, outputs)) { buffer in
            let z = buffer.baseAddress!
            var losses = T.Vector(repeating: 0)
            var start = 0
            var vector = 0
            while start < rows {
                let count = min(T.lanes, rows &- start)
                scores(
                    weights: weights, features: features, outputs: outputs, offsets: offsets, indices: indices,
                    values: values, start: start, count: count, into: z)
                let y = GradientKernel.labelVector(labels, labelBytes, vector, as: T.self)
                var l = T.keepingLanes(
                    L.apply(z, stride: 1, outputs: outputs, labels: y, parameter: parameter, as: T.self), below: count)
                if let rowWeights {
                    var w = T.Vector(repeating: 0)
                    for lane in 0..<count { w[lane] = rowWeights[start &+ lane] }
                    l = l * w
                    for k in 0..<outputs { z[k] = z[k] * w }
                }
                losses = losses + l
                for lane in 0..<count {
                    let entries = offsets[start &+ lane]..<offsets[start &+ lane &+ 1]
                    for k in 0..<outputs {
                        let d = z[k][lane]
                        let g = partial + k &* width
                        for e in entries { g[Int(indices[e])] = g[Int(indices[e])] + d * values[e] }
                        g[features] = g[features] + d
                    }
                }
                start = start &+ T.lanes
                vector = vector &+ 1
            }
            partial[outputs &* width] = partial[outputs &* width] + T.horizontalSum(losses)
        }
    }
}
