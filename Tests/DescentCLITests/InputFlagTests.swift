import DescentTestSupport
import Foundation
import Testing

/// The flags that name or shape a run's input (`InputFlagChecks.swift` and the checks of the
/// values given): blob flags beside a training file, flags a run ignores, the fraction a
/// too-small data set blames, negative label columns, empty lists and malformed values.
struct InputFlagTests {
    static let dir = CLI.temporaryDirectory()

    /// D18: --samples with a training file named by the configuration is an error that says
    /// it would be ignored.
    @Test func blobFlagsWithATrainingFileAreAnError() throws {
        let csv = CLI.write("a,b,label\n" + eightRows.joined(separator: "\n") + "\n", to: "d18.csv", in: Self.dir)
        let config = CLI.write("{\"train\": \"\(csv)\"}", to: "train.json", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--config", config, "--samples", "10"]),
            "--samples is for generated blobs and would be ignored with the configuration file's \"train\"")
        expectCleanFailure(
            try CLI.run(["train", "--train", csv, "--features", "3", "--centers", "3"]),
            "--features, --centers are for generated blobs and would be ignored with --train")
    }

    /// D24: flags a run ignores print a warning on standard error.
    @Test func ignoredFlagsWarn() throws {
        let blobs = try CLI.run(["train", "--standardize", "--full-loss", "--drop-last", "--epochs", "1"])
        #expect(blobs.status == 0, "\(blobs.stderr)")
        #expect(blobs.stderr.contains("warning: --standardize is ignored for generated blobs"), "\(blobs.stderr)")
        #expect(blobs.stderr.contains("warning: --drop-last is ignored with --optimizer gd"))
        #expect(blobs.stderr.contains("warning: --full-loss is ignored with --optimizer gd"))
        #expect(!blobs.stdout.contains("warning"), "warnings go to standard error")
        let csv = CLI.write("a,b,label\n" + eightRows.joined(separator: "\n") + "\n", to: "d24.csv", in: Self.dir)
        let files = try CLI.run(["train", "--train", csv, "--test", csv, "--test-fraction", "0.3", "--epochs", "1"])
        #expect(files.status == 0, "\(files.stderr)")
        #expect(files.stderr.contains("warning: --test-fraction is ignored with --test"), "\(files.stderr)")
        let quiet = try CLI.run(["train", "--optimizer", "sgd", "--drop-last", "--epochs", "1"])
        #expect(!quiet.stderr.contains("warning"), "\(quiet.stderr)")
    }

    /// D19: a validation fraction that leaves no training rows blames --validation-fraction.
    @Test func validationFractionTakingEveryRowBlamesItself() throws {
        let result = try CLI.run(["train", "--validation-fraction", "0.999", "--patience", "3"])
        expectCleanFailure(result, "--validation-fraction 0.999 takes all 500 rows left after the test set")
        #expect(!result.stderr.contains("--test-fraction"), "\(result.stderr)")
        let csv = CLI.write("a,b,label\n" + eightRows.joined(separator: "\n") + "\n", to: "d19.csv", in: Self.dir)
        let fromFile = try CLI.run(["train", "--train", csv, "--validation-fraction", "0.99", "--patience", "3"])
        expectCleanFailure(fromFile, "--validation-fraction 0.99 takes all 4 rows left after the test set")
    }

    /// D24: a negative --label-column counts from the end (-1 is the last column, as in
    /// Python); out of range it says what is allowed.
    @Test func negativeLabelColumnCountsFromTheEnd() throws {
        let csv = CLI.write(
            "label,a,b\n" + (0..<8).map { "\($0 % 2),\($0),\($0 * 3 % 7)" }.joined(separator: "\n") + "\n",
            to: "label-first.csv", in: Self.dir)
        let first = try CLI.run(["train", "--train", csv, "--label-column", "-3", "--epochs", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("2 features, 2 classes"), "\(first.stderr)")
        let last = try CLI.run(["train", "--train", csv, "--label-column", "-1", "--epochs", "1"])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(!last.stderr.contains("Missing value"))
        expectCleanFailure(
            try CLI.run(["train", "--train", csv, "--label-column", "-4"]), "no column named '-4' for --label-column")
    }

    /// D16, D17, D20: inputs that used to be accepted and measured or compared nothing.
    @Test func emptyListsProbeSizesAndMalformedBoxesAreRejected() throws {
        let cases: [([String], String)] = [
            (["verify", "--threads-list", ""], "--threads-list needs at least one thread count"),
            (["verify", "--threads-list", ","], "--threads-list needs at least one thread count"),
            (["bench", "--probe-bytes=-1"], "--probe-bytes must be at least 1048576"),
            (["bench", "--probe-bytes", "1"], "--probe-bytes must be at least 1048576"),
            (["train", "--center-box=1,abc,2"], "--center-box must be LOW,HIGH"),
            (["train", "--center-box=1,"], "--center-box must be LOW,HIGH"),
            (["train", "--center-box=-inf,inf"], "--center-box must be LOW,HIGH"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status == 2, "\(arguments): status \(result.status)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!result.stdout.contains("PASS"), "\(arguments) compared nothing")
        }
    }
}
