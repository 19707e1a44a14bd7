import DescentTestSupport
import Foundation
import Testing

/// The loss history (`LossLog`) of a long run, issue 11's D6.
struct LossLogTests {
    /// D6: loss.csv is streamed and the history kept in memory is bounded: a run of 100,000
    /// tiny epochs writes every line while its resident memory stays small.
    @Test func longRunsStreamTheirHistory() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let result = try CLI.runProcess(
            URL(fileURLWithPath: "/bin/sh"),
            [
                "-c",
                "\"$0\" train --samples 4 --epochs 100000 --output \"$1\" >/dev/null & pid=$!; peak=0; while kill -0 $pid 2>/dev/null; do r=$(awk '/VmHWM/{print $2}' /proc/$pid/status 2>/dev/null); [ -n \"$r\" ] && peak=$r; sleep 0.2; done; wait $pid; echo \"$? $peak\"",
                CLI.binary.path, out,
            ])
        let fields = result.stdout.split(separator: " ").map {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        #expect(fields.first == 0, "\(result.stdout) \(result.stderr)")
        let lines = try String(contentsOfFile: out + "/loss.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 100_001)
        #expect(lines.last?.hasPrefix("100000,") == true)
        // 100,000 EpochRecords alone would be 24 MB; the whole process stays far below 200 MB.
        #expect(fields.count == 2 && fields[1] > 0 && fields[1] < 200_000, "peak resident KiB: \(result.stdout)")
        let svg = try String(contentsOfFile: out + "/loss.svg", encoding: .utf8)
        #expect(svg.count < 1_000_000, "the plotted curve is thinned")
    }
}
