import DescentTestSupport
import Foundation
import Testing

struct TopologyCommandTests {
    /// On the single-node host: pages where planned, identical weights under every policy,
    /// all NUMA memory freed after repeated training in one process.
    @Test func placementCheckPassesOnTheHost() throws {
        let result = try CLI.run(["topology", "--samples", "60000", "--threads", "2", "--check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stdout.contains(
                "check: placement as planned, identical weights under auto, interleave and off, all NUMA memory freed"))
        let hashes = result.stdout.split(separator: "\n").filter { $0.hasPrefix("check --numa") }.compactMap { line in
            line.range(of: #"weights [0-9a-f]{16}"#, options: .regularExpression).map { String(line[$0]) }
        }
        #expect(hashes.count == 3 && Set(hashes).count == 1)
    }

    @Test func jsonDescribesNodesAndPlan() throws {
        let result = try CLI.run(["topology", "--samples", "5000", "--threads", "3", "--json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect((object["nodes"] as! [[String: Any]]).count >= 1)
        let plan = object["plan"] as! [String: Any]
        let shards = plan["shards"] as! [[String: Any]]
        #expect(shards.count == 3)
        #expect(shards.map { $0["chunks"] as! Int }.reduce(0, +) == 5)  // 5000 rows = 5 chunks of 1024
    }
}
