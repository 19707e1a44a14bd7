import DescentTestSupport
import Foundation
import Testing

/// The output folder (`RunFolder`), issue 11's D1 and D2: checked before any work, always
/// holding one complete run, never replacing files Descent did not write.
struct RunFolderTests {
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
        #expect(OutputFolder.entries(out) == ["loss.csv", "loss.svg", "metrics.json"])
        #expect(OutputFolder.runID(out) != nil)
    }

    /// D2: an earlier run is replaced only with --overwrite, and then as a whole (no file of
    /// the first run stays beside the second's); a folder with other files is never replaced.
    @Test func aFolderHoldsOneRunAndForeignFilesAreNeverReplaced() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        #expect(try CLI.run(["train", "--epochs", "5", "--output", out]).status == 0)
        let first = try #require(OutputFolder.runID(out))
        #expect(OutputFolder.runID(out, "model.json") == first)
        let again = try CLI.run(["train", "--epochs", "5", "--output", out])
        #expect(
            again.status == 4 && again.stderr.contains("holds an earlier run's outputs")
                && again.stderr.contains("--overwrite"), "\(again.stderr)")
        #expect(OutputFolder.runID(out) == first, "a refused run must not touch the folder")
        let diverged = try CLI.run([
            "train", "--alpha", "1e308", "--centers", "3", "--loss", "hinge", "--output", out, "--overwrite",
        ])
        #expect(diverged.status == 3)
        #expect(
            OutputFolder.entries(out) == ["loss.csv", "loss.svg", "metrics.json"],
            "the first run's model.json must go with it")
        #expect(OutputFolder.runID(out) != first)
        #expect(OutputFolder.entries(dir.path) == ["d"], "no staging folder or temporary file is left")

        let foreign = dir.appendingPathComponent("mine").path
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        _ = CLI.write("keep me", to: "notes.txt", in: URL(fileURLWithPath: foreign))
        let refused = try CLI.run(["train", "--epochs", "2", "--output", foreign, "--overwrite"])
        #expect(
            refused.status == 4 && refused.stderr.contains("holds files Descent did not write (notes.txt)"),
            "\(refused.stderr)")
        #expect(OutputFolder.entries(foreign) == ["notes.txt"])
    }

    /// D2: two runs into one folder at once: the second is refused while the first runs, and
    /// the first completes.
    @Test func twoRunsCannotWriteOneFolderAtOnce() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let first = try CLI.start(["train", "--samples", "40000", "--epochs", "400", "--output", out])
        var waited = 0.0
        while !FileManager.default.fileExists(atPath: out + ".partial/loss.csv") && waited < 60 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 0.05
        }
        let second = try CLI.run(["train", "--epochs", "2", "--output", out, "--overwrite"])
        let firstResult = try first.wait()
        #expect(second.status == 4 && second.stderr.contains("another descent run is writing it"), "\(second.stderr)")
        #expect(firstResult.status == 0, "\(firstResult.stderr)")
        #expect(OutputFolder.entries(out) == ["data.svg", "loss.csv", "loss.svg", "metrics.json", "model.json"])
    }

    /// A staging folder holding someone else's files is refused, not emptied; symbolic links
    /// as --output or as the staging folder are refused before any work.
    @Test func stagingFolderAndSymlinksAreChecked() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        try FileManager.default.createDirectory(atPath: out + ".partial", withIntermediateDirectories: true)
        _ = CLI.write("mine", to: "notes.txt", in: URL(fileURLWithPath: out + ".partial"))
        let refused = try CLI.run(["train", "--epochs", "2", "--output", out, "--overwrite"])
        #expect(
            refused.status == 4 && refused.stderr.contains("holds files Descent did not write (notes.txt)"),
            "\(refused.stderr)")
        #expect((try? String(contentsOfFile: out + ".partial/notes.txt", encoding: .utf8)) == "mine")

        let real = dir.appendingPathComponent("real").path
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let linked = try CLI.run(["train", "--epochs", "2", "--output", link])
        #expect(linked.status == 4 && linked.stderr.contains("is a symbolic link"), "\(linked.stderr)")
        try FileManager.default.createSymbolicLink(
            atPath: dir.appendingPathComponent("e.partial").path, withDestinationPath: real)
        let linkedStaging = try CLI.run(["train", "--epochs", "2", "--output", dir.appendingPathComponent("e").path])
        #expect(
            linkedStaging.status == 4 && linkedStaging.stderr.contains("is a symbolic link"), "\(linkedStaging.stderr)")
        #expect(OutputFolder.entries(real).isEmpty)
    }

    @Test func outputPathThatIsAFileIsRejected() throws {
        let file = CLI.write("x", to: "not-a-folder", in: CLI.temporaryDirectory())
        let result = try CLI.run(["train", "--epochs", "1", "--output", file])
        #expect(result.status == 4)
        #expect(result.stderr.contains("exists and is not a folder"))
        #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "x", "the file is left alone")
    }
}
