/// Where the pages of a dataset's shards actually are, asked of the kernel page by page
/// (`get_mempolicy` with `MPOL_F_NODE | MPOL_F_ADDR`), compared with the placement plan.
package struct PlacementReport: Sendable {
    package struct Shard: Sendable {
        package var index: Int
        package var plannedNode: Int?
        /// Pages found on each node (node id -> count); -1 counts pages the kernel could not place.
        package var pagesByNode: [Int: Int]
    }

    package var policy: NUMAPolicy
    package var shards: [Shard]
    package var pageSize: Int

    /// Pages per node over all shards.
    package var pagesByNode: [Int: Int] {
        shards.reduce(into: [:]) { total, shard in
            for (node, count) in shard.pagesByNode { total[node, default: 0] += count }
        }
    }

    /// Problems found: pages off their planned node, or an interleaved buffer that misses a node.
    package func problems(topology: Topology) -> [String] {
        var out: [String] = []
        guard topology.libnumaActive else { return out }
        for shard in shards {
            if let planned = shard.plannedNode {
                let wrong = shard.pagesByNode.filter { $0.key != planned }.reduce(0) { $0 + $1.value }
                if wrong > 0 {
                    out.append(
                        "shard \(shard.index): \(wrong) pages are not on planned node \(planned): \(shard.pagesByNode)")
                }
            }
        }
        if policy == .interleave && topology.nodes.count > 1 {
            let nodes = pagesByNode
            for node in topology.nodes where node.memoryBytes > 0 && (nodes[node.id] ?? 0) == 0 {
                out.append("interleave: no page on node \(node.id): \(nodes)")
            }
        }
        return out
    }

    /// Asks the kernel where every page of each shard's buffer lives.
    ///
    /// - Parameters:
    ///   - plan: the placement the buffers were made for (its policy, and each shard's node).
    ///   - buffers: one buffer per shard of `plan`, in shard order.
    package static func inspect(_ plan: PlacementPlan, buffers: [NodeBuffer]) -> PlacementReport {
        let page = NodeMemory.pageSize
        let shards = zip(plan.shards, buffers).map { shard, buffer in
            var counts: [Int: Int] = [:]
            var offset = 0
            while offset < buffer.byteCount {
                counts[NodeMemory.nodeOfPage(buffer.pointer + offset) ?? -1, default: 0] += 1
                offset += page
            }
            return Shard(index: shard.index, plannedNode: shard.node, pagesByNode: counts)
        }
        return PlacementReport(policy: plan.policy, shards: shards, pageSize: page)
    }
}
