import Testing

@testable import Descent

/// The placement check's verdicts (``PlacementReport``) on a simulated machine with several nodes.
struct PlacementCheckTests {
    static let twoNodes = Topology(
        nodes: [
            NUMANode(id: 0, cpus: [0, 1], memoryBytes: 1 << 30),
            NUMANode(id: 1, cpus: [2, 3], memoryBytes: 1 << 30),
        ], libnumaActive: true)

    @Test func aMisplacedPageIsReported() {
        let good = PlacementReport(
            policy: .auto,
            shards: [
                .init(index: 0, plannedNode: 0, pagesByNode: [0: 10]),
                .init(index: 1, plannedNode: 1, pagesByNode: [1: 10]),
            ], pageSize: 4096)
        #expect(good.problems(topology: Self.twoNodes).isEmpty)
        let bad = PlacementReport(
            policy: .auto,
            shards: [
                .init(index: 0, plannedNode: 0, pagesByNode: [0: 10]),
                .init(index: 1, plannedNode: 1, pagesByNode: [1: 9, 0: 1]),
            ], pageSize: 4096)
        let problems = bad.problems(topology: Self.twoNodes)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("shard 1: 1 pages are not on planned node 1") == true, "\(problems)")
        let unplaced = PlacementReport(
            policy: .auto, shards: [.init(index: 0, plannedNode: 0, pagesByNode: [0: 3, -1: 2])], pageSize: 4096)
        #expect(
            unplaced.problems(topology: Self.twoNodes).count == 1, "pages the kernel could not place count as misplaced"
        )
    }

    @Test func interleavingThatMissesANodeIsReported() {
        let spread = PlacementReport(
            policy: .interleave, shards: [.init(index: 0, plannedNode: nil, pagesByNode: [0: 5, 1: 5])], pageSize: 4096)
        #expect(spread.problems(topology: Self.twoNodes).isEmpty)
        let oneSided = PlacementReport(
            policy: .interleave, shards: [.init(index: 0, plannedNode: nil, pagesByNode: [0: 10])], pageSize: 4096)
        #expect(oneSided.problems(topology: Self.twoNodes) == ["interleave: no page on node 1: [0: 10]"])
    }
}
