import DescentTestSupport
import Foundation
import Testing

/// Input files that cannot be mapped (`MappedFile`): pipes, FIFOs, /dev/null and folders.
struct MappedFileTests {
    static let dir = CLI.temporaryDirectory()

    /// D10: a pipe into /dev/stdin and a FIFO are read whole; /dev/null is an empty file; a
    /// folder says it is one.
    @Test func pipesFIFOsDevNullAndFolders() throws {
        let csv = CLI.write("a,b,label\n" + eightRows.joined(separator: "\n") + "\n", to: "piped.csv", in: Self.dir)
        let piped = try CLI.shell(
            "cat '\(csv)' | \"$D\" train --train /dev/stdin --test-fraction 0.25 --epochs 2", in: Self.dir)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stderr.contains("6 training, 2 test rows"), "\(piped.stderr)")
        let fifo = Self.dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let fromFIFO = try CLI.shell(
            "cat '\(csv)' > '\(fifo)' & \"$D\" train --train '\(fifo)' --test-fraction 0.25 --epochs 2", in: Self.dir)
        #expect(fromFIFO.status == 0, "\(fromFIFO.stderr)")
        #expect(fromFIFO.stderr.contains("6 training, 2 test rows"), "\(fromFIFO.stderr)")
        expectCleanFailure(try CLI.run(["train", "--train", "/dev/null"]), "/dev/null: the file is empty")
        expectCleanFailure(
            try CLI.run(["train", "--train", Self.dir.path]), "cannot be read: it is a folder; give --train a file")
        expectCleanFailure(
            try CLI.run(["train", "--train", csv, "--test", Self.dir.path]), "it is a folder; give --test a file")
        expectCleanFailure(try CLI.run(["train", "--config", Self.dir.path]), "it is a folder; give --config a file")
        // Configurations, models and initial weights come through pipes too.
        let model = Self.dir.appendingPathComponent("piped-model").path
        #expect(try CLI.run(["train", "--epochs", "1", "--output", model]).status == 0)
        let config = try CLI.shell("echo '{\"epochs\": 3}' | \"$D\" train --config /dev/stdin", in: Self.dir)
        #expect(config.status == 0 && config.stdout.contains("3 epochs in"), "\(config.stderr)")
        let weights = try CLI.shell(
            "echo 0.1,0.2,0.3 | \"$D\" train --init-weights /dev/stdin --epochs 1", in: Self.dir)
        #expect(weights.status == 0, "\(weights.stderr)")
        let predicted = try CLI.shell(
            "cat '\(model)/model.json' | \"$D\" predict --model /dev/stdin --input '\(csv)'", in: Self.dir)
        #expect(
            predicted.status == 2 && predicted.stderr.contains("/dev/stdin: the model's features are x0, x1, but"),
            "\(predicted.stderr)")
    }
}
