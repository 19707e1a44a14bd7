import Foundation
import Testing
import DescentTestSupport

/// Issue 11's D1, D2, D6, D13, D14, D15: the output folder is checked before any work and
/// always holds one complete run; interrupts and closed pipes lose nothing.
struct OutputFolderTests {
    static func runID(_ folder: String, _ file: String = "metrics.json") -> String? {
        guard let data = FileManager.default.contents(atPath: folder + "/" + file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let run = object["run"] as? [String: Any] else { return nil }
        return run["id"] as? String
    }

    static func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// D1: a bad --output is refused before the data are made or training starts (a run of
    /// 10 million rows and 1000 epochs would take minutes), with exit 4 and the reason.
    @Test func badOutputIsRefusedBeforeAnyWork() throws {
        let dir = CLI.temporaryDirectory()
        let file = CLI.write("not a folder", to: "f", in: dir)
        let big = ["--samples", "10000000", "--epochs", "1000", "--gradient", "mean", "--alpha", "0.5"]
        let cases: [([String], String)] = [
            (["train"] + big + ["--output", file], "exists and is not a folder"),
            (["train"] + big + ["--output", "/proc/x"], "cannot create /proc/x.partial"),
            (["train"] + big + ["--output", ""], "--output is empty"),
            (["train"] + big + ["--output", "/dev/null"], "exists and is not a folder"),
            (["train"] + big + ["--output", "/"], "names no new folder"),
            (["verify", "--samples", "10000000", "--epochs", "1000", "--output", file], "exists and is not a folder"),
            (["bench", "--rows", "10000000", "--epochs", "1000", "--output", file], "exists and is not a folder"),
        ]
        for (arguments, message) in cases {
            let started = Date()
            let result = try CLI.run(arguments, in: dir)
            #expect(result.status == 4, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!result.stdout.contains("[INFO] training"), "\(arguments) trained before failing")
            #expect(Date().timeIntervalSince(started) < 20, "\(arguments) worked before failing")
        }
        #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "not a folder")
    }

    /// D1: a run that diverges with a good --output exits 3 (not 4) and keeps its loss curve.
    @Test func divergenceKeepsItsExitStatusAndCurve() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let result = try CLI.run(["train", "--alpha", "1e308", "--centers", "3", "--loss", "hinge", "--output", out])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(Self.entries(out) == ["loss.csv", "loss.svg", "metrics.json"])
        #expect(Self.runID(out) != nil)
    }

    /// D2: an earlier run is replaced only with --overwrite, and then as a whole (no file of
    /// the first run stays beside the second's); a folder with other files is never replaced.
    @Test func aFolderHoldsOneRunAndForeignFilesAreNeverReplaced() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        #expect(try CLI.run(["train", "--epochs", "5", "--output", out]).status == 0)
        let first = try #require(Self.runID(out))
        #expect(Self.runID(out, "model.json") == first)
        let again = try CLI.run(["train", "--epochs", "5", "--output", out])
        #expect(again.status == 4 && again.stderr.contains("holds an earlier run's outputs") && again.stderr.contains("--overwrite"), "\(again.stderr)")
        #expect(Self.runID(out) == first, "a refused run must not touch the folder")
        let diverged = try CLI.run(["train", "--alpha", "1e308", "--centers", "3", "--loss", "hinge", "--output", out, "--overwrite"])
        #expect(diverged.status == 3)
        #expect(Self.entries(out) == ["loss.csv", "loss.svg", "metrics.json"], "the first run's model.json must go with it")
        #expect(Self.runID(out) != first)
        #expect(Self.entries(dir.path) == ["d"], "no staging folder or temporary file is left")

        let foreign = dir.appendingPathComponent("mine").path
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        _ = CLI.write("keep me", to: "notes.txt", in: URL(fileURLWithPath: foreign))
        let refused = try CLI.run(["train", "--epochs", "2", "--output", foreign, "--overwrite"])
        #expect(refused.status == 4 && refused.stderr.contains("holds files Descent did not write (notes.txt)"), "\(refused.stderr)")
        #expect(Self.entries(foreign) == ["notes.txt"])
    }

    /// D2: two runs into one folder at once: the second is refused while the first runs, and
    /// the first completes.
    @Test func twoRunsCannotWriteOneFolderAtOnce() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let first = try CLI.start(["train", "--samples", "40000", "--epochs", "400", "--output", out])
        var waited = 0.0
        while !FileManager.default.fileExists(atPath: out + ".partial/loss.csv") && waited < 60 { Thread.sleep(forTimeInterval: 0.05); waited += 0.05 }
        let second = try CLI.run(["train", "--epochs", "2", "--output", out, "--overwrite"])
        let firstResult = try first.wait()
        #expect(second.status == 4 && second.stderr.contains("another descent run is writing it"), "\(second.stderr)")
        #expect(firstResult.status == 0, "\(firstResult.stderr)")
        #expect(Self.entries(out) == ["data.svg", "loss.csv", "loss.svg", "metrics.json", "model.json"])
    }

    /// D13: SIGINT or SIGTERM at any moment leaves the previous folder as it was (or, once the
    /// run committed, the new run whole), exits 128 + the signal, and leaves no staging
    /// folder or temporary file.
    @Test func interruptsLeaveThePreviousRunOrTheNewOneWhole() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        #expect(try CLI.run(["train", "--epochs", "3", "--output", out]).status == 0)
        var previous = try #require(Self.runID(out))
        for (index, delay) in [0.05, 0.2, 0.4, 0.6, 0.9, 1.3].enumerated() {
            let signal = index % 2 == 0 ? SIGINT : SIGTERM
            let process = try CLI.start(["train", "--samples", "20000", "--epochs", "60", "--output", out, "--overwrite"])
            Thread.sleep(forTimeInterval: delay)
            process.send(signal)
            let result = try process.wait()
            let now = Self.runID(out)
            #expect(Self.entries(dir.path) == ["d"], "delay \(delay): \(Self.entries(dir.path))")
            #expect(Self.entries(out) == ["data.svg", "loss.csv", "loss.svg", "metrics.json", "model.json"], "delay \(delay)")
            #expect(Self.runID(out, "model.json") == now, "delay \(delay): files of two runs")
            if result.status == 0 {
                #expect(now != previous)
            } else {
                #expect(result.status == 128 + signal, "delay \(delay): \(result.status) \(result.stderr)")
                #expect(now == previous, "delay \(delay): an interrupted run changed the folder")
            }
            previous = try #require(now)
        }
    }

    /// A signal in the instant after the staging folder is made, before the run watches it
    /// (CI once caught `d.partial` left by a SIGINT 0.05 s into a run): the signal waits for
    /// the folder to be watched, which then removes it. The fault injection signals there and
    /// waits 0.2 s, so an unwatched window would lose the race every time.
    @Test func aSignalJustAfterStagingLeavesNoStagingFolder() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        #expect(try CLI.run(["train", "--epochs", "3", "--output", out]).status == 0)
        let previous = try #require(Self.runID(out))
        // train replaces d; verify and bench write new folders, which must not appear.
        for command in [["train", "--epochs", "3", "--output", out, "--overwrite"],
                        ["verify", "--threads-list", "1,2", "--samples", "200", "--output", dir.appendingPathComponent("v").path],
                        ["bench", "--rows", "20000", "--threads-list", "1", "--output", dir.appendingPathComponent("b").path]] {
            let result = try CLI.runProcess(CLI.binary, command, environment: ["DESCENT_TEST_KILL": "staging-created"])
            #expect(result.status == 128 + SIGINT, "\(command): \(result.status) \(result.stderr)")
            #expect(Self.entries(dir.path) == ["d"], "\(command): \(Self.entries(dir.path))")
            #expect(Self.runID(out) == previous, "\(command): the previous run changed")
        }
    }

    /// D14, D15: SIGPIPE no longer kills a run before its files exist, and failed writes to
    /// standard output are reported with exit 4 instead of being ignored.
    @Test func closedPipesAndFullDisksOnStandardOutputAreReported() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let piped = try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"),
                                       ["-c", "\"$0\" train --samples 200000 --epochs 20 --output \"$1\" | head -1", CLI.binary.path, out])
        #expect(piped.stdout == "[INFO] training...\n")
        #expect(Self.entries(out) == ["data.svg", "loss.csv", "loss.svg", "metrics.json", "model.json"], "\(piped.stderr)")
        let status = try CLI.runProcess(URL(fileURLWithPath: "/bin/bash"),
                                        ["-c", "\"$0\" train --samples 200000 --epochs 20 | head -1 >/dev/null; echo ${PIPESTATUS[0]}", CLI.binary.path])
        #expect(status.stdout == "4\n", "\(status.stderr)")
        #expect(status.stderr.contains("cannot write standard output (Broken pipe)"))
        let full = try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"),
                                      ["-c", "\"$0\" verify --json --threads-list 2 --epochs 5 > /dev/full", CLI.binary.path])
        #expect(full.status == 4, "\(full.stderr)")
        #expect(full.stderr.contains("cannot write standard output (No space left on device)"))
    }

    /// D6: loss.csv is streamed and the history kept in memory is bounded: a run of 100,000
    /// tiny epochs writes every line while its resident memory stays small.
    @Test func longRunsStreamTheirHistory() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let result = try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"),
                                        ["-c", "\"$0\" train --samples 4 --epochs 100000 --output \"$1\" >/dev/null & pid=$!; peak=0; while kill -0 $pid 2>/dev/null; do r=$(awk '/VmHWM/{print $2}' /proc/$pid/status 2>/dev/null); [ -n \"$r\" ] && peak=$r; sleep 0.2; done; wait $pid; echo \"$? $peak\"",
                                         CLI.binary.path, out])
        let fields = result.stdout.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
        #expect(fields.first == 0, "\(result.stdout) \(result.stderr)")
        let lines = try String(contentsOfFile: out + "/loss.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 100_001)
        #expect(lines.last?.hasPrefix("100000,") == true)
        // 100,000 EpochRecords alone would be 24 MB; the whole process stays far below 200 MB.
        #expect(fields.count == 2 && fields[1] > 0 && fields[1] < 200_000, "peak resident KiB: \(result.stdout)")
        let svg = try String(contentsOfFile: out + "/loss.svg", encoding: .utf8)
        #expect(svg.count < 1_000_000, "the plotted curve is thinned")
    }

    /// A staging folder holding someone else's files is refused, not emptied; symbolic links
    /// as --output or as the staging folder are refused before any work.
    @Test func stagingFolderAndSymlinksAreChecked() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        try FileManager.default.createDirectory(atPath: out + ".partial", withIntermediateDirectories: true)
        _ = CLI.write("mine", to: "notes.txt", in: URL(fileURLWithPath: out + ".partial"))
        let refused = try CLI.run(["train", "--epochs", "2", "--output", out, "--overwrite"])
        #expect(refused.status == 4 && refused.stderr.contains("holds files Descent did not write (notes.txt)"), "\(refused.stderr)")
        #expect((try? String(contentsOfFile: out + ".partial/notes.txt", encoding: .utf8)) == "mine")

        let real = dir.appendingPathComponent("real").path
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let linked = try CLI.run(["train", "--epochs", "2", "--output", link])
        #expect(linked.status == 4 && linked.stderr.contains("is a symbolic link"), "\(linked.stderr)")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("e.partial").path, withDestinationPath: real)
        let linkedStaging = try CLI.run(["train", "--epochs", "2", "--output", dir.appendingPathComponent("e").path])
        #expect(linkedStaging.status == 4 && linkedStaging.stderr.contains("is a symbolic link"), "\(linkedStaging.stderr)")
        #expect(Self.entries(real).isEmpty)
    }
}
