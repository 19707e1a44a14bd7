/// The fixed pairwise tree of ``FixedOrderReduction`` cut into the blocks that several
/// processes (ranks) can reduce on their own, so that their results finish the same tree
/// with the same operand order, bit for bit.
///
/// Each rank owns a contiguous range of partials (chunk indices). A block is a subtree of
/// the global tree: it starts at an index `a` aligned to `2^k` and covers
/// `a ..< min(a + 2^k, count)`. Inside a block the global tree does exactly what
/// ``FixedOrderReduction/reduce(_:count:stride:)`` does on the block alone, so a rank
/// reduces its blocks with it. Every rank then receives every block's result (an
/// all-gather that only moves bytes) and finishes the global tree over the block results
/// in the global order: no addition ever happens inside the network, so the sum does not
/// depend on how many ranks there are or which rank owns what.
///
/// `MPI_Allreduce` does not promise this: its order changes with the rank count.
package enum BlockReduction {
    /// The largest power-of-two-aligned subtrees of the pairwise tree over `count` partials
    /// that tile `range`, in index order.
    ///
    /// - Parameters:
    ///   - range: the partials a rank owns (inside `0 ..< count`; may be empty).
    ///   - count: the number of partials in the whole tree.
    /// - Returns: the blocks, each `a ..< min(a + 2^k, count)` with `a` a multiple of `2^k`.
    /// - Complexity: O(log count) per block; a range has O(log count) blocks.
    package static func blocks(of range: Range<Int>, count: Int) -> [Range<Int>] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range \(range) outside 0..<\(count)")
        var result: [Range<Int>] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var size = 1
            // Grow while the doubled block is still aligned, still inside the range, and not
            // already reaching the end of the tree (past it, the subtree no longer grows).
            while start + size < count, start % (2 * size) == 0, min(start + 2 * size, count) <= range.upperBound {
                size *= 2
            }
            let end = min(start + size, count)
            result.append(start..<end)
            start = end
        }
        return result
    }

    /// Reduces each block of `range` with ``FixedOrderReduction`` and packs the results,
    /// one `stride`-long vector per block in block order, into `packed`.
    ///
    /// - Parameters:
    ///   - partials: all `count` partials' slots, `stride` scalars each (only those in
    ///     `range` are read; they are overwritten by the reduction).
    ///   - range: the partials this rank owns.
    ///   - count: the number of partials over all ranks (the global tree's size).
    ///   - stride: scalars in one partial.
    ///   - packed: room for `blocks(of: range, count: count).count * stride` scalars.
    /// - Returns: the blocks, as ``blocks(of:count:)`` gives them.
    @inlinable
    @discardableResult
    package static func reduceBlocks<T: KernelScalar>(
        _ partials: UnsafeMutablePointer<T>, range: Range<Int>, count: Int, stride: Int,
        into packed: UnsafeMutablePointer<T>
    ) -> [Range<Int>] {
        let blocks = self.blocks(of: range, count: count)
        for (index, block) in blocks.enumerated() {
            let first = partials + block.lowerBound * stride
            FixedOrderReduction.reduce(first, count: block.count, stride: stride)
            (packed + index * stride).update(from: first, count: stride)
        }
        return blocks
    }

    /// Finishes the global tree over every block's result: `values` holds one vector per
    /// block, in the order of `starts` (each block's first index, ascending, covering
    /// `0 ..< count` together). The total ends in the first vector.
    ///
    /// Level by level (width 1, 2, 4, ...), the block starting at `i` (a multiple of 2 width)
    /// absorbs the block starting at `i + width`: exactly the additions of the global tree
    /// that lie between blocks, in the same order, with the same operands.
    ///
    /// - Complexity: O(blocks * log count * stride).
    @inlinable
    package static func finish<T: KernelScalar>(
        _ values: UnsafeMutablePointer<T>, starts: [Int], count: Int, stride: Int
    ) {
        guard starts.count > 1 else { return }
        var slot: [Int: Int] = [:]
        slot.reserveCapacity(starts.count)
        for (index, start) in starts.enumerated() { slot[start] = index }
        var width = 1
        while width < count {
            for (index, start) in starts.enumerated() where start % (2 * width) == 0 {
                guard let source = slot[start + width] else { continue }
                let target = values + index * stride
                let from = values + source * stride
                for k in 0..<stride { target[k] = target[k] + from[k] }
            }
            width *= 2
        }
    }

    /// The ranks' contiguous chunk ranges: `count` chunks apportioned to ranks in
    /// proportion to `weights` (each rank's threads), in rank order. A rank may own nothing.
    package static func ranges(count: Int, weights: [Int]) -> [Range<Int>] {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 >= 0 }, "weights must be non-negative, at least one")
        let counts = PlacementPlan.apportion(count, weights: weights)
        var start = 0
        return counts.map { n in
            defer { start += n }
            return start..<(start + n)
        }
    }
}
