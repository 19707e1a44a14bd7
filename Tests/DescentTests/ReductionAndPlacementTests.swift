import Testing
@testable import Descent
import DescentTestSupport

/// The documented reduction tree, and the placement check's verdicts on a simulated
/// machine with several nodes.
struct FixedOrderReductionTests {
    /// The tree written out by hand for 1 to 9 partials: level by level, partial i absorbs
    /// partial i + width. The values make the order visible: 1e16 swallows small addends
    /// unless they meet each other first; from four partials on, every
    /// count gives a different sum in the tree than left to right.
    static func byHand(_ p: [Double]) -> Double {
        switch p.count {
        case 1: return p[0]
        case 2: return p[0] + p[1]
        case 3: return (p[0] + p[1]) + p[2]
        case 4: return (p[0] + p[1]) + (p[2] + p[3])
        case 5: return ((p[0] + p[1]) + (p[2] + p[3])) + p[4]
        case 6: return ((p[0] + p[1]) + (p[2] + p[3])) + (p[4] + p[5])
        case 7: return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + p[6])
        case 8: return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
        case 9: return (((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))) + p[8]
        default: fatalError("written out up to 9")
        }
    }

    @Test func reductionIsTheDocumentedTree() {
        let values: [Double] = [3, 0x1p53, 7, 3, 0.5, -1e16, 1e16, -1e16, 0x1p53]
        var distinguished = 0
        for count in 1...9 {
            // Two columns (stride 2), the second with the values reversed.
            var partials: [Double] = []
            for i in 0..<count { partials += [values[i], values[count - 1 - i]] }
            partials.withUnsafeMutableBufferPointer { FixedOrderReduction.reduce($0.baseAddress!, count: count, stride: 2) }
            let first = Self.byHand(Array(values.prefix(count)))
            let second = Self.byHand(Array(values.prefix(count).reversed()))
            #expect(partials[0].bitPattern == first.bitPattern, "\(count) partials, column 0")
            #expect(partials[1].bitPattern == second.bitPattern, "\(count) partials, column 1")
            let leftToRight = values.prefix(count).dropFirst().reduce(values[0], +)
            let reversed = Array(values.prefix(count).reversed())
            if leftToRight != first && reversed.dropFirst().reduce(reversed[0], +) != second { distinguished += 1 }
        }
        #expect(distinguished == 6, "the values tell the tree from a left-to-right sum at every count from 4 to 9")
    }
}

struct PlacementCheckTests {
    static let twoNodes = Topology(nodes: [NUMANode(id: 0, cpus: [0, 1], memoryBytes: 1 << 30),
                                          NUMANode(id: 1, cpus: [2, 3], memoryBytes: 1 << 30)], libnumaActive: true)

    @Test func aMisplacedPageIsReported() {
        let good = PlacementReport(policy: .auto, shards: [.init(index: 0, plannedNode: 0, pagesByNode: [0: 10]),
                                                          .init(index: 1, plannedNode: 1, pagesByNode: [1: 10])], pageSize: 4096)
        #expect(good.problems(topology: Self.twoNodes).isEmpty)
        let bad = PlacementReport(policy: .auto, shards: [.init(index: 0, plannedNode: 0, pagesByNode: [0: 10]),
                                                         .init(index: 1, plannedNode: 1, pagesByNode: [1: 9, 0: 1])], pageSize: 4096)
        let problems = bad.problems(topology: Self.twoNodes)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("shard 1: 1 pages are not on planned node 1") == true, "\(problems)")
        let unplaced = PlacementReport(policy: .auto, shards: [.init(index: 0, plannedNode: 0, pagesByNode: [0: 3, -1: 2])], pageSize: 4096)
        #expect(unplaced.problems(topology: Self.twoNodes).count == 1, "pages the kernel could not place count as misplaced")
    }

    @Test func interleavingThatMissesANodeIsReported() {
        let spread = PlacementReport(policy: .interleave, shards: [.init(index: 0, plannedNode: nil, pagesByNode: [0: 5, 1: 5])], pageSize: 4096)
        #expect(spread.problems(topology: Self.twoNodes).isEmpty)
        let oneSided = PlacementReport(policy: .interleave, shards: [.init(index: 0, plannedNode: nil, pagesByNode: [0: 10])], pageSize: 4096)
        #expect(oneSided.problems(topology: Self.twoNodes) == ["interleave: no page on node 1: [0: 10]"])
    }
}
