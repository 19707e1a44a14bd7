import DescentTestSupport
import Foundation
import Testing

struct BenchCommandTests {
    /// A tiny run end to end: the table, CSV/JSON and the plot.
    @Test func benchWritesTableCSVJSONAndPlot() throws {
        let out = CLI.temporaryDirectory().appendingPathComponent("bench").path
        let result = try CLI.run([
            "bench", "--rows", "50000", "--threads-list", "1,2", "--epochs", "2", "--warmup", "1",
            "--precision", "float32", "--optimizer", "both", "--batch-sizes", "4096",
            "--probe-bytes", "16777216", "--output", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("read bandwidth (STREAM-style probe)"))
        let csv = try String(contentsOfFile: out + "/bench.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + 4, "header and 2 series x 2 thread counts")
        // The generation rate sits next to the training rate (issue 15): rows/s and normals/s per thread.
        let header = csv[0].split(separator: ",").map(String.init)
        let generated = try #require(header.firstIndex(of: "generate_rows_per_s"))
        let normals = try #require(header.firstIndex(of: "generate_normals_per_s_per_thread"))
        for line in csv.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let rows = Double(fields[generated]) ?? 0
            let perThread = Double(fields[normals]) ?? 0
            let threads = Double(fields[header.firstIndex(of: "threads")!])!
            #expect(rows > 0 && abs(perThread * threads - rows * 2) <= rows * 2 * 1e-6 + 1, "\(line)")
        }
        #expect(result.stdout.contains("generated rows/s (normals/s/thread)"))
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/bench.json")))
            as! [String: Any]
        let points = json["points"] as! [[String: Any]]
        #expect(points.count == 4)
        for p in points {
            #expect((p["rowsPerSecondMedian"] as! Double) > 0)
            #expect((p["rowsPerSecondMin"] as! Double) <= (p["rowsPerSecondMedian"] as! Double))
        }
        let single = points.filter { $0["threads"] as! Int == 1 }
        #expect(single.count == 2 && single.allSatisfy { $0["speedup"] as! Double == 1 })
        let svg = try String(contentsOfFile: out + "/speedup.svg", encoding: .utf8)
        #expect(svg.contains("ideal") && svg.hasSuffix("</svg>\n"))
    }

    @Test func badBenchArgumentsAreRejected() throws {
        let result = try CLI.run(["bench", "--precision", "float16"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--precision takes float32 and float64"))
    }

    /// `--workers` with `--optimizer gd` is refused before the benchmark starts, cleanly.
    @Test func workersNeedTheSGDOptimizer() throws {
        try expectRefusedBeforeTheRun(
            ["bench", "--optimizer", "gd", "--workers", "2"], "--workers and --sync-every need --optimizer sgd")
    }
}
