/// Combines per-chunk partial results in a fixed pairwise tree over chunk index.
///
/// Level by level, partial i absorbs partial i + width for i = 0, 2 width, 4 width, ...
/// The tree depends only on the number of partials, so the sum is the same for every
/// thread count. It runs after `concurrentPerform` returns, never inside it.
public enum FixedOrderReduction {
    /// Reduces `count` partials of `stride` scalars each, stored back to back at `partials`,
    /// into the first one (in place).
    ///
    /// - Complexity: O(count * stride) additions.
    @inlinable
    package static func reduce<T: KernelScalar>(_ partials: UnsafeMutablePointer<T>, count: Int, stride: Int) {
        var width = 1
        while width < count {
            var i = 0
            while i + width < count {
                let target = partials + i * stride
                let source = partials + (i + width) * stride
                for k in 0..<stride { target[k] = target[k] + source[k] }
                i += 2 * width
            }
            width *= 2
        }
    }

    /// Reduces `count` partials of `stride` scalars each, back to back in `partials`, into
    /// its first `stride` scalars (in place), by the same tree.
    ///
    /// - Complexity: O(count * stride) additions.
    public static func reduce<T: KernelScalar>(_ partials: inout [T], count: Int, stride: Int) {
        precondition(partials.count >= count * stride, "fewer partials than count x stride")
        partials.withUnsafeMutableBufferPointer { reduce($0.baseAddress!, count: count, stride: stride) }
    }

    /// Sums partials left to right in the given order (the order threads finished them)
    /// instead of by the tree: a deliberately broken reduction, kept so the determinism
    /// harness can show that it detects order dependence. Never used by training.
    static func reduceInOrder<T: KernelScalar>(_ partials: UnsafeMutablePointer<T>, order: [Int], stride: Int) {
        guard let first = order.first else { return }
        var total = [T](repeating: 0, count: stride)
        for k in 0..<stride { total[k] = partials[first * stride + k] }
        for index in order.dropFirst() {
            for k in 0..<stride { total[k] = total[k] + partials[index * stride + k] }
        }
        for k in 0..<stride { partials[k] = total[k] }
    }
}
