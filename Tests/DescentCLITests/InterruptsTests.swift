import DescentTestSupport
import Foundation
import Testing

/// Signals and standard output (`Sources/descent/Interrupts.swift`), issue 11's D13-D15:
/// interrupts lose nothing and mix no runs, closed pipes and full disks are reported.
struct InterruptsTests {
    /// D13: SIGINT or SIGTERM at any moment leaves the previous folder as it was (or, once the
    /// run committed, the new run whole), exits 128 + the signal, and leaves no staging
    /// folder or temporary file.
    @Test func interruptsLeaveThePreviousRunOrTheNewOneWhole() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        #expect(try CLI.run(["train", "--epochs", "3", "--output", out]).status == 0)
        var previous = try #require(OutputFolder.runID(out))
        for (index, delay) in [0.05, 0.2, 0.4, 0.6, 0.9, 1.3].enumerated() {
            let signal = index % 2 == 0 ? SIGINT : SIGTERM
            let process = try CLI.start([
                "train", "--samples", "20000", "--epochs", "60", "--output", out, "--overwrite",
            ])
            Thread.sleep(forTimeInterval: delay)
            process.send(signal)
            let result = try process.wait()
            let now = OutputFolder.runID(out)
            #expect(OutputFolder.entries(dir.path) == ["d"], "delay \(delay): \(OutputFolder.entries(dir.path))")
            #expect(
                OutputFolder.entries(out) == ["data.svg", "loss.csv", "loss.svg", "metrics.json", "model.json"],
                "delay \(delay)")
            #expect(OutputFolder.runID(out, "model.json") == now, "delay \(delay): files of two runs")
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
        let previous = try #require(OutputFolder.runID(out))
        // train replaces d; verify and bench write new folders, which must not appear.
        for command in [
            ["train", "--epochs", "3", "--output", out, "--overwrite"],
            ["verify", "--threads-list", "1,2", "--samples", "200", "--output", dir.appendingPathComponent("v").path],
            ["bench", "--rows", "20000", "--threads-list", "1", "--output", dir.appendingPathComponent("b").path],
        ] {
            let result = try CLI.runProcess(CLI.binary, command, environment: ["DESCENT_TEST_KILL": "staging-created"])
            #expect(result.status == 128 + SIGINT, "\(command): \(result.status) \(result.stderr)")
            #expect(OutputFolder.entries(dir.path) == ["d"], "\(command): \(OutputFolder.entries(dir.path))")
            #expect(OutputFolder.runID(out) == previous, "\(command): the previous run changed")
        }
    }

    /// D14, D15: SIGPIPE no longer kills a run before its files exist, and failed writes to
    /// standard output are reported with exit 4 instead of being ignored.
    @Test func closedPipesAndFullDisksOnStandardOutputAreReported() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let piped = try CLI.runProcess(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "\"$0\" train --samples 200000 --epochs 20 --output \"$1\" | head -1", CLI.binary.path, out])
        #expect(piped.stdout == "[INFO] training...\n")
        #expect(
            OutputFolder.entries(out) == ["data.svg", "loss.csv", "loss.svg", "metrics.json", "model.json"],
            "\(piped.stderr)")
        let status = try CLI.runProcess(
            URL(fileURLWithPath: "/bin/bash"),
            [
                "-c", "\"$0\" train --samples 200000 --epochs 20 | head -1 >/dev/null; echo ${PIPESTATUS[0]}",
                CLI.binary.path,
            ])
        #expect(status.stdout == "4\n", "\(status.stderr)")
        #expect(status.stderr.contains("cannot write standard output (Broken pipe)"))
        let full = try CLI.runProcess(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "\"$0\" verify --json --threads-list 2 --epochs 5 > /dev/full", CLI.binary.path])
        #expect(full.status == 4, "\(full.stderr)")
        #expect(full.stderr.contains("cannot write standard output (No space left on device)"))
    }

    /// Issue 30, item 1: a full or closed standard error never traps. The run's files are
    /// written whole (nothing meant for standard error lands in one of them) and it exits 0;
    /// predictions to a full standard output exit 4 with the reason, not a trap.
    @Test func unwritableStandardStreamsNeverTrap() throws {
        let dir = CLI.temporaryDirectory()
        let shell = URL(fileURLWithPath: "/bin/sh")
        for (name, redirect) in [("full", "2>/dev/full"), ("closed", "2>&-")] {
            let out = dir.appendingPathComponent(name).path
            let result = try CLI.runProcess(
                shell, ["-c", "\"$0\" train --epochs 3 --output \"$1\" \(redirect)", CLI.binary.path, out])
            #expect(result.status == 0, "\(name): \(result.status)")
            #expect(
                OutputFolder.entries(out) == ["data.svg", "loss.csv", "loss.svg", "metrics.json", "model.json"],
                "\(name)")
            #expect(!FileManager.default.fileExists(atPath: out + ".partial"), "\(name)")
            let lines = try String(contentsOfFile: out + "/loss.csv", encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 4 && lines[0].hasPrefix("epoch,loss"), "\(name): \(lines)")
        }
        let input = CLI.write("x0,x1\n1.5,-2\n-3,0.25\n", to: "rows.csv", in: dir)
        let model = dir.appendingPathComponent("full").path + "/model.json"
        let predicted = try CLI.runProcess(
            shell, ["-c", "\"$0\" predict --model \"$1\" --input \"$2\" > /dev/full", CLI.binary.path, model, input])
        #expect(predicted.status == 4, "\(predicted.stderr)")
        #expect(predicted.stderr.contains("cannot write standard output"), "\(predicted.stderr)")
    }
}
