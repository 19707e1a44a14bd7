import DescentTestSupport
import Foundation
import Testing

/// Issue 11's D3 and D4: sizes are checked before anything is allocated; too much memory is
/// a clear error with both numbers and a hint (exit 2), never a trap or the OOM killer.
struct MemoryBudgetTests {
    @Test func hugeRunsAreRefusedBeforeAllocating() throws {
        let dir = CLI.temporaryDirectory()
        var csv = "x0,x1,label\n"
        for i in 0..<200 { csv += "\(i % 7),\(i % 5),\(i % 2 == 0 ? 999_999 : 3)\n" }
        let labels = CLI.write(csv, to: "labels.csv", in: dir)
        let cases: [([String], [String: String], String)] = [
            (
                ["train", "--features", "10000", "--samples", "10000000"], [:],
                "the run needs about 745.3 GiB of memory (data 745.3 GiB"
            ),
            (["train", "--features", "9000000000000000000"], [:], "more than 2^63 bytes"),
            (
                ["train", "--features", "300", "--samples", "20000000"], ["DESCENT_MEMORY_LIMIT": "8G"],
                "is available (DESCENT_MEMORY_LIMIT)"
            ),
            (
                ["train", "--features", "300", "--samples", "200000", "--precision", "float32"],
                ["DESCENT_MEMORY_LIMIT": "100M"],
                "or --precision float32"
            ),
            (["bench", "--rows", "3000000000", "--threads-list", "1"], [:], "data 67.1 GiB"),
            (["bench", "--probe-bytes", "9000000000000000000", "--threads-list", "1"], [:], "bandwidth probe"),
            (["train", "--threads", "1000000"], [:], "--threads must be at most 4096"),
            (
                ["train", "--centers", "1000000000", "--samples", "4"], [:],
                "--centers 1000000000 is more than --samples 4"
            ),
            (
                ["train", "--centers", "65537", "--samples", "70000"], [:],
                "--centers 65537 is more classes than descent trains (at most 65536)"
            ),
            (["verify", "--threads-list", "1,9223372036854775807"], [:], "thread counts from 1 to 4096"),
            (
                ["train", "--train", labels, "--optimizer", "sgd", "--shuffle", "full"],
                ["DESCENT_MEMORY_LIMIT": "200K"],
                "SGD epoch copy"
            ),
            (["train"], ["DESCENT_MEMORY_LIMIT": "1.5G"], "DESCENT_MEMORY_LIMIT='1.5G' is not a byte count"),
        ]
        for (arguments, environment, message) in cases {
            let started = Date()
            let result = try CLI.runProcess(CLI.binary, arguments, environment: environment)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr.prefix(300))")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!result.stdout.contains("[INFO] training"), "\(arguments)")
            #expect(Date().timeIntervalSince(started) < 20, "\(arguments) worked before failing")
        }
        // A label of 999999 is one class among two, not a table of a million classes.
        let trained = try CLI.run(["train", "--train", labels, "--epochs", "3"])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stderr.contains("2 classes"), "\(trained.stderr)")
    }
}
