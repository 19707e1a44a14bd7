/// The kernels over compressed rows (``SparseRows``): a row's score is a gather-dot over its
/// non-zeros, its gradient a scatter-add of the loss derivative times each non-zero.
///
/// Rows go in vectors of `T.lanes`, so the loss kernels (``LossKernel``) are the dense
/// path's, lane for lane. Inside a chunk the order is fixed: each score sums the row's
/// entries in four interleaved sums (entry e to sum e mod 4, each in stored order, combined
/// pairwise) and then adds the bias; the gradient
/// takes the rows in order; the losses go to one vector accumulator, summed by the fixed
/// lane tree at the end. The evaluator combines chunks in a fixed order too, so the bits
/// never depend on the thread count.
import CDescentSupport

package enum SparseKernel {
    /// Entries ahead whose weights a score prefetches.
    @usableFromInline static var prefetchDistance: Int { 32 }

    /// The scores of rows `start ..< start + count` (at most `T.lanes`) of a chunk: output k
    /// of the row in lane l goes to `scores[k][l]`; lanes past `count` get the bias alone.
    @inlinable @inline(__always)
    package static func scores<T: KernelScalar>(
        weights: UnsafePointer<T>, features: Int, outputs: Int, offsets: UnsafePointer<Int>,
        indices: UnsafePointer<UInt32>, values: UnsafePointer<T>, start: Int, count: Int,
        into scores: UnsafeMutablePointer<T.Vector>, entryLimit: Int = 0, scatter: UnsafePointer<T>? = nil
    ) {
        let width = features &+ 1
        for k in 0..<outputs {
            let w = weights + k &* width
            var v = T.Vector(repeating: 0)
            for lane in 0..<count {
                // Four sums over the entries in turn, (s0 + s1) + (s2 + s3): the additions of
                // a row do not wait on each other (one chain of 80 additions of 4 cycles
                // each was the kernel's bottleneck).
                var e = offsets[start &+ lane]
                let end = offsets[start &+ lane &+ 1]
                var s0: T = 0
                var s1: T = 0
                var s2: T = 0
                var s3: T = 0
                while e &+ 4 <= end {
                    // The weights a few rows ahead and the partial's lines this row will add
                    // to, into the cache while the sums run (a million weights miss it).
                    if e &+ prefetchDistance &+ 4 <= entryLimit {
                        for k in 0..<4 { descent_prefetch(w + Int(indices[e &+ prefetchDistance &+ k])) }
                    }
                    if let scatter {
                        for k in 0..<4 { descent_prefetch(scatter + Int(indices[e &+ k])) }
                    }
                    s0 = s0 + values[e] * w[Int(indices[e])]
                    s1 = s1 + values[e &+ 1] * w[Int(indices[e &+ 1])]
                    s2 = s2 + values[e &+ 2] * w[Int(indices[e &+ 2])]
                    s3 = s3 + values[e &+ 3] * w[Int(indices[e &+ 3])]
                    e = e &+ 4
                }
                while e < end {
                    s0 = s0 + values[e] * w[Int(indices[e])]
                    e = e &+ 1
                }
                v[lane] = (s0 + s1) + (s2 + s3)
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
        let entryLimit = offsets[rows]
        withUnsafeTemporaryAllocation(of: T.Vector.self, capacity: max(1, outputs)) { buffer in
            let z = buffer.baseAddress!
            var losses = T.Vector(repeating: 0)
            var start = 0
            var vector = 0
            while start < rows {
                let count = min(T.lanes, rows &- start)
                scores(
                    weights: weights, features: features, outputs: outputs, offsets: offsets, indices: indices,
                    values: values, start: start, count: count, into: z, entryLimit: entryLimit,
                    scatter: outputs == 1 ? UnsafePointer(partial) : nil)
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
