import DescentTestSupport
import Foundation
import Testing

struct VerifyCommandTests {
    @Test func verifyTutorialPasses() throws {
        let out = CLI.temporaryDirectory().path
        // 5,333 training rows: six chunks, so the reduction tree is part of what the plain
        // reference is compared with.
        let result = try CLI.run([
            "verify", "--config", CLI.packageRoot.appendingPathComponent("Configs/tutorial.json").path,
            "--samples", "10666", "--output", out,
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("same bits as serial"))
        #expect(result.stdout.contains("5333 training rows"))
        for threads in [1, 2, 3, 4, 8, 16] {
            #expect(FileManager.default.fileExists(atPath: out + "/loss-threads-\(threads).csv"))
        }
        #expect(result.stdout.contains("PASS"))
        let rows = result.stdout.split(separator: "\n").filter {
            $0.range(of: #"^\s+\d+\s"#, options: .regularExpression) != nil
        }
        #expect(rows.count == 6)
        #expect(
            Set(rows.map { $0.split(separator: " ", omittingEmptySubsequences: true)[2] }).count == 1,
            "one weights hash")
    }

    @Test func verifySGDAsJSON() throws {
        let result = try CLI.run([
            "verify", "--samples", "20000", "--optimizer", "sgd", "--batch-size", "4096", "--momentum", "0.9",
            "--nesterov", "--gradient", "mean", "--alpha", "0.5", "--epochs", "3", "--precision", "float32",
            "--threads-list", "2,5", "--json",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(object["passed"] as? Bool == true)
        #expect((object["runs"] as! [[String: Any]]).map { $0["threads"] as! Int } == [1, 2, 5])
    }

    /// verify runs the workers' algorithm at every thread count and in the plain reference.
    @Test func verifyWorkers() throws {
        let result = try CLI.run([
            "verify", "--samples", "6000", "--optimizer", "sgd", "--batch-size", "32", "--workers", "3",
            "--sync-every", "5", "--momentum", "0.9", "--gradient", "mean", "--alpha", "0.05",
            "--epochs", "2", "--threads-list", "2,3,8",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("PASS"))
        #expect(result.stdout.contains("workers 3"))
    }

    /// verify runs L-BFGS at every thread count, and its plain reference runs the same
    /// iterations over the row-by-row objective, the L2 penalty included (both precisions).
    @Test(arguments: ["float64", "float32"])
    func verifyLBFGS(_ precision: String) throws {
        let result = try CLI.run([
            "verify", "--samples", "12000", "--centers", "3", "--cluster-std", "5", "--solver", "lbfgs", "--l2",
            "0.001",
            "--memory", "4", "--epochs", "8", "--precision", precision, "--threads-list", "2,3,8", "--json",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(object["passed"] as? Bool == true)
        let runs = object["runs"] as! [[String: Any]]
        #expect(runs.map { $0["threads"] as! Int } == [1, 2, 3, 8])
        #expect(Set(runs.map { $0["weights-hash"] as! String }).count == 1)
    }

    @Test func badThreadsListIsRejected() throws {
        let result = try CLI.run(["verify", "--threads-list", "1,zero"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--threads-list must be thread counts from 1 to 4096"))
    }
}
