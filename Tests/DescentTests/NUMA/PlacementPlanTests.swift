import Testing

@testable import Descent

/// Placement logic against made-up topologies.
struct PlacementPlanTests {
    func plan(_ nodes: [NUMANode], shards: Int, chunks: Int = 100, policy: NUMAPolicy = .auto) -> PlacementPlan {
        PlacementPlan(
            chunkCount: chunks, shardCount: shards, topology: Topology(nodes: nodes, libnumaActive: true),
            policy: policy)
    }

    func check(_ p: PlacementPlan, chunks: Int) {
        #expect(p.shards.first?.chunks.lowerBound == 0)
        #expect(p.shards.last?.chunks.upperBound == chunks)
        for (a, b) in zip(p.shards, p.shards.dropFirst()) { #expect(a.chunks.upperBound == b.chunks.lowerBound) }
    }

    @Test func evenNodesGetEvenShares() {
        let p = plan([NUMANode(id: 0, cpus: [0, 1]), NUMANode(id: 1, cpus: [2, 3])], shards: 4)
        #expect(p.shards.map(\.node) == [0, 0, 1, 1])
        #expect(p.isActive)
        check(p, chunks: 100)
    }

    @Test func unevenNodesGetSharesInProportionToTheirCPUs() {
        let p = plan([NUMANode(id: 0, cpus: [0, 1, 2]), NUMANode(id: 1, cpus: [3])], shards: 8)
        #expect(p.shards.map(\.node) == [0, 0, 0, 0, 0, 0, 1, 1])
        check(p, chunks: 100)
    }

    @Test func nodesWithoutCPUsGetNothing() {
        let p = plan(
            [NUMANode(id: 0, cpus: []), NUMANode(id: 1, cpus: [0, 1]), NUMANode(id: 2, cpus: [2, 3])], shards: 4)
        #expect(!p.shards.contains { $0.node == 0 })
        #expect(p.shards.map(\.node) == [1, 1, 2, 2])
    }

    @Test func nodeNumbersWithGaps() {
        let p = plan([NUMANode(id: 0, cpus: [0]), NUMANode(id: 4, cpus: [1])], shards: 2)
        #expect(p.shards.map(\.node) == [0, 4])
    }

    @Test func affinityMaskThatExcludesANode() {
        let p = plan([NUMANode(id: 0, cpus: [0, 1], usableCPUs: []), NUMANode(id: 1, cpus: [2, 3])], shards: 3)
        // Only node 1 has usable CPUs: one node with CPUs, so placement is not needed.
        #expect(!p.isActive)
        #expect(p.shards.allSatisfy { $0.node == nil })
        let three = plan(
            [
                NUMANode(id: 0, cpus: [0, 1], usableCPUs: [1]), NUMANode(id: 1, cpus: [2, 3], usableCPUs: []),
                NUMANode(id: 2, cpus: [4, 5]),
            ], shards: 3)
        #expect(three.shards.map(\.node) == [0, 2, 2])
    }

    @Test func singleNodeOrNoLibnumaPlacesNothing() {
        let one = plan([NUMANode(id: 0, cpus: [0, 1])], shards: 2)
        #expect(!one.isActive && one.shards.allSatisfy { $0.node == nil })
        let off = PlacementPlan(
            chunkCount: 10, shardCount: 2,
            topology: Topology(nodes: [NUMANode(id: 0, cpus: [0]), NUMANode(id: 1, cpus: [1])], libnumaActive: false),
            policy: .auto)
        #expect(!off.isActive)
        let interleave = plan([NUMANode(id: 0, cpus: [0]), NUMANode(id: 1, cpus: [1])], shards: 2, policy: .interleave)
        #expect(interleave.interleaved && interleave.shards.allSatisfy { $0.node == nil })
    }

    @Test func moreShardsThanChunks() {
        let p = plan([NUMANode(id: 0, cpus: [0]), NUMANode(id: 1, cpus: [1])], shards: 5, chunks: 2)
        check(p, chunks: 2)
        #expect(p.shards.reduce(0) { $0 + $1.chunks.count } == 2)
    }

    @Test func apportionSumsToTotal() {
        for total in 0..<20 {
            let counts = PlacementPlan.apportion(total, weights: [3, 1, 0, 2])
            #expect(counts.reduce(0, +) == total)
            #expect(counts[2] == 0)
        }
    }

    @Test func hostPagesAreWhereThePlanSays() throws {
        var c = RunConfiguration()
        c.samples = 100_000
        c.threads = 2
        for policy in NUMAPolicy.allCases {
            c.numa = policy
            let data = try Experiment.prepare(c, as: Double.self)
            let report = data.train.placementReport()
            #expect(report.problems(topology: .current).isEmpty, "\(policy): \(report.problems(topology: .current))")
            let pages = report.pagesByNode.values.reduce(0, +)
            #expect(
                pages == data.train.buffers.reduce(0) { $0 + ($1.byteCount + report.pageSize - 1) / report.pageSize })
            if Topology.current.libnumaActive { #expect(report.pagesByNode[-1] == nil, "every page was placed") }
        }
    }
}
