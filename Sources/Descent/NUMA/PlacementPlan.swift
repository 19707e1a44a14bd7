/// Which shard (contiguous range of chunks) lives on which NUMA node.
///
/// Shards go to nodes in proportion to each node's usable CPUs (largest remainder), in
/// node order; within the chunk order, a node's shards are contiguous. Shard s is processed
/// by `concurrentPerform` iteration s, which binds its thread to the shard's node first.
package struct PlacementPlan: Sendable, Equatable {
    package struct Shard: Sendable, Equatable {
        package var index: Int
        package var chunks: Range<Int>
        /// The node the shard is bound to, or nil when placement is off or pointless.
        package var node: Int?
    }

    package var shards: [Shard]
    package var policy: NUMAPolicy
    /// Whether buffers are interleaved over all nodes.
    package var interleaved: Bool { policy == .interleave && isActive }
    /// Whether any placement call is made at all.
    package var isActive: Bool

    /// Plans `shardCount` shards over `chunkCount` chunks.
    ///
    /// - Parameters:
    ///   - chunkCount: chunks in the dataset.
    ///   - shardCount: shards wanted (the thread count); at least 1.
    ///   - topology: the nodes and their usable CPUs.
    ///   - policy: `auto` binds shards to nodes when the topology has several nodes with
    ///     CPUs; `interleave` spreads every buffer over all nodes; `off` does neither.
    package init(chunkCount: Int, shardCount: Int, topology: Topology, policy: NUMAPolicy) {
        precondition(shardCount >= 1, "need at least one shard")
        self.policy = policy
        let ranges = ChunkPlan.split(chunkCount, into: shardCount)
        let nodes = topology.nodesWithCPUs
        switch policy {
        case .auto where topology.isMultiNode:
            isActive = true
            let counts = PlacementPlan.apportion(shardCount, weights: nodes.map { $0.usableCPUs.count })
            var owner: [Int] = []
            for (node, count) in zip(nodes, counts) { owner += Array(repeating: node.id, count: count) }
            shards = ranges.enumerated().map { Shard(index: $0.offset, chunks: $0.element, node: owner[$0.offset]) }
        case .interleave where topology.libnumaActive && topology.nodes.count > 1:
            isActive = true
            shards = ranges.enumerated().map { Shard(index: $0.offset, chunks: $0.element, node: nil) }
        default:
            isActive = false
            shards = ranges.enumerated().map { Shard(index: $0.offset, chunks: $0.element, node: nil) }
        }
    }

    /// Splits `total` items over weights by the largest-remainder method; ties go to the
    /// earlier index. Every weight gets at least zero; the counts sum to `total`.
    package static func apportion(_ total: Int, weights: [Int]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 }.enumerated().map { $0.offset == 0 ? total : 0 } }
        var counts = weights.map { total * $0 / sum }
        var remaining = total - counts.reduce(0, +)
        let order = weights.indices.sorted { a, b in
            let ra = total * weights[a] % sum
            let rb = total * weights[b] % sum
            return ra != rb ? ra > rb : a < b
        }
        var k = 0
        while remaining > 0 {
            counts[order[k % order.count]] += 1
            remaining -= 1
            k += 1
        }
        return counts
    }

    /// The node that shard `shard` is bound to, if any.
    @inlinable
    package func node(ofShard shard: Int) -> Int? { shards[shard].node }
}
