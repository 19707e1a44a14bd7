import Foundation
import Testing
import DescentTestSupport

/// Regression tests for the input side of issue 11 (D8-D12, D18, D19, D21, D23, D24) and
/// for the crashes fuzzing found, each at the command line where a user meets it.
struct InputDefectTests {
    static let dir = CLI.temporaryDirectory()

    static func file(_ text: String, _ name: String) -> String { CLI.write(text, to: name, in: dir) }

    /// Eight rows of two features, labels 0 and 1.
    static let eightRows = (0..<8).map { "\($0),\($0 * 2 % 5),\($0 % 2)" }

    /// Runs a shell command line (for pipes and FIFOs); `$D` is the descent binary.
    static func shell(_ script: String) throws -> CLIResult {
        try CLI.runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "D='\(CLI.binary.path)'; " + script], in: dir)
    }

    static func expectCleanFailure(_ result: CLIResult, _ message: String, status: Int32 = 2,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "status \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(message), "\(result.stderr)", sourceLocation: sourceLocation)
        for crash in ["Fatal error", "Stack dump", "Current stack trace", "Segmentation"] {
            #expect(!result.stderr.contains(crash), "crashed: \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    // MARK: D8 labels

    /// D8: one class in the training file, and a class only the test file has, are exit-2
    /// errors naming the label (and the test file's line).
    @Test func oneClassAndTestOnlyClassAreErrors() throws {
        let one = Self.file("a,b,label\n1,2,0\n3,4,0\n5,6,0\n7,8,0\n", "one-class.csv")
        Self.expectCleanFailure(try CLI.run(["train", "--train", one]), "every row has the label '0' in column 'label'; a classifier needs at least two classes")
        let train = Self.file("a,b,label\n1,2,0\n3,4,1\n5,6,0\n", "d8-train.csv")
        let test = Self.file("a,b,label\n1,2,0\n3,4,2\n", "d8-test.csv")
        Self.expectCleanFailure(try CLI.run(["train", "--train", train, "--test", test]), "d8-test.csv:3: label '2' never occurs in the training data")
    }

    // MARK: D9 BOM and quoted header names

    /// D9: a UTF-8 byte order mark and quoted header names do not stay in column names.
    @Test func byteOrderMarkAndQuotedHeaderNamesAreStripped() throws {
        let text = "\u{FEFF}\"first\",\"second\",\"kind\"\n" + Self.eightRows.joined(separator: "\n") + "\n"
        let path = Self.file(text, "bom.csv")
        let out = Self.dir.appendingPathComponent("bom-out").path
        let result = try CLI.run(["train", "--train", path, "--label-column", "kind", "--epochs", "2", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let model = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json"))) as? [String: Any]
        #expect(model?["features"] as? [String] == ["first", "second"])
        #expect(model?["label"] as? String == "kind")
        let bad = Self.file("\u{FEFF}\"first\",\"second\",\"kind\"\n1,2,0\nx,4,1\n", "bom-bad.csv")
        Self.expectCleanFailure(try CLI.run(["train", "--train", bad, "--label-column", "kind"]), "column 'first' holds 'x'")
    }

    // MARK: D10 pipes, FIFOs, /dev/null, folders

    /// D10: a pipe into /dev/stdin and a FIFO are read whole; /dev/null is an empty file; a
    /// folder says it is one.
    @Test func pipesFIFOsDevNullAndFolders() throws {
        let csv = Self.file("a,b,label\n" + Self.eightRows.joined(separator: "\n") + "\n", "piped.csv")
        let piped = try Self.shell("cat '\(csv)' | \"$D\" train --train /dev/stdin --test-fraction 0.25 --epochs 2")
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stderr.contains("6 training, 2 test rows"), "\(piped.stderr)")
        let fifo = Self.dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let fromFIFO = try Self.shell("cat '\(csv)' > '\(fifo)' & \"$D\" train --train '\(fifo)' --test-fraction 0.25 --epochs 2")
        #expect(fromFIFO.status == 0, "\(fromFIFO.stderr)")
        #expect(fromFIFO.stderr.contains("6 training, 2 test rows"), "\(fromFIFO.stderr)")
        Self.expectCleanFailure(try CLI.run(["train", "--train", "/dev/null"]), "/dev/null: the file is empty")
        Self.expectCleanFailure(try CLI.run(["train", "--train", Self.dir.path]), "cannot be read: it is a folder; give --train a file")
        Self.expectCleanFailure(try CLI.run(["train", "--train", csv, "--test", Self.dir.path]), "it is a folder; give --test a file")
        Self.expectCleanFailure(try CLI.run(["train", "--config", Self.dir.path]), "it is a folder; give --config a file")
        // Configurations, models and initial weights come through pipes too.
        let model = Self.dir.appendingPathComponent("piped-model").path
        #expect(try CLI.run(["train", "--epochs", "1", "--output", model]).status == 0)
        let config = try Self.shell("echo '{\"epochs\": 3}' | \"$D\" train --config /dev/stdin")
        #expect(config.status == 0 && config.stdout.contains("3 epochs in"), "\(config.stderr)")
        let weights = try Self.shell("echo 0.1,0.2,0.3 | \"$D\" train --init-weights /dev/stdin --epochs 1")
        #expect(weights.status == 0, "\(weights.stderr)")
        let predicted = try Self.shell("cat '\(model)/model.json' | \"$D\" predict --model /dev/stdin --input '\(csv)'")
        #expect(predicted.status == 2 && predicted.stderr.contains("/dev/stdin: the model's features are x0, x1, but"), "\(predicted.stderr)")
    }

    // MARK: D11 data overflow

    /// D11: values that overflow the chosen precision, when read, standardized or generated,
    /// are data errors naming the column and the fix, not a divergence blamed on --alpha.
    @Test func overflowingDataIsADataError() throws {
        let rows = (0..<8).map { "\($0),\($0 % 2 == 0 ? "1e308" : "-1e308"),\($0 % 2)" }
        let huge = Self.file("a,b,label\n" + rows.joined(separator: "\n") + "\n", "huge.csv")
        let standardized = try CLI.run(["train", "--train", huge, "--standardize"])
        Self.expectCleanFailure(standardized, "column 'b' is too large to standardize")
        #expect(standardized.stderr.contains("rescale the column"))
        let wide = Self.file("a,b,label\n" + (0..<8).map { "\($0),\($0 == 5 ? "1e39" : "2"),\($0 % 2)" }.joined(separator: "\n") + "\n", "float32.csv")
        let float32 = try CLI.run(["train", "--train", wide, "--precision", "float32"])
        Self.expectCleanFailure(float32, "column 'b' holds a value too large for float32")
        #expect(float32.stderr.contains("--precision float64"))
        let blobs = try CLI.run(["train", "--cluster-std", "1e308"])
        Self.expectCleanFailure(blobs, "--cluster-std 1e+308 and --center-box -10.0,10.0 generate values too large for float64")
        for result in [standardized, float32, blobs] {
            #expect(!result.stderr.contains("diverged") && !result.stderr.contains("--alpha"), "\(result.stderr)")
            #expect(!result.stdout.contains("[INFO] training..."))
        }
        let tooLarge = Self.file("a,b,label\n1,2,0\n3,1e400,1\n", "e400.csv")
        Self.expectCleanFailure(try CLI.run(["train", "--train", tooLarge]), "e400.csv:3:2: column 'b' holds '1e400', too large for float64")
    }

    // MARK: D12 huge finite losses

    /// D12: a loss that explodes but stays finite prints in scientific notation, not as
    /// hundreds of digits; a finite loss is not a divergence (exit 0).
    @Test
    func hugeFiniteLossPrintsShort() throws {
        let result = try CLI.run(["train", "--alpha", "1e300", "--loss", "log-loss", "--epochs", "10"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("[INFO] epoch=") }
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.count < 60 }, "\(lines)")
        #expect(lines.contains { $0.contains("e+") }, "\(lines)")
    }

    // MARK: D18 configuration files and flags

    /// D18: --no-drop-last and --no-full-loss turn off what a configuration file turned on.
    @Test func noDropLastAndNoFullLossOverrideTheConfiguration() throws {
        let config = Self.file("{\"optimizer\": \"sgd\", \"drop-last\": true, \"full-loss\": true, \"samples\": 100, \"epochs\": 1}", "sgd.json")
        for (flags, expected) in [([String](), true), (["--no-drop-last", "--no-full-loss"], false)] {
            let out = Self.dir.appendingPathComponent("d18-\(expected)").path
            let result = try CLI.run(["train", "--config", config, "--output", out] + flags)
            #expect(result.status == 0, "\(result.stderr)")
            let model = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json"))) as? [String: Any]
            let configuration = model?["configuration"] as? [String: Any]
            #expect(configuration?["drop-last"] as? Bool == expected, "\(flags)")
            #expect(configuration?["full-loss"] as? Bool == expected, "\(flags)")
        }
    }

    /// D18: --samples with a training file named by the configuration is an error that says
    /// it would be ignored.
    @Test func blobFlagsWithATrainingFileAreAnError() throws {
        let csv = Self.file("a,b,label\n" + Self.eightRows.joined(separator: "\n") + "\n", "d18.csv")
        let config = Self.file("{\"train\": \"\(csv)\"}", "train.json")
        Self.expectCleanFailure(try CLI.run(["train", "--config", config, "--samples", "10"]),
                                "--samples is for generated blobs and would be ignored with the configuration file's \"train\"")
        Self.expectCleanFailure(try CLI.run(["train", "--train", csv, "--features", "3", "--centers", "3"]),
                                "--features, --centers are for generated blobs and would be ignored with --train")
    }

    /// D18: a key given twice and a number beyond float64 are errors at their own place.
    @Test func duplicateKeysAndHugeNumbersInConfigurationFiles() throws {
        let duplicate = Self.file("{\n  \"epochs\": 5,\n  \"alpha\": 0.1,\n  \"epochs\": 7\n}\n", "duplicate.json")
        Self.expectCleanFailure(try CLI.run(["train", "--config", duplicate]),
                                "duplicate.json: at line 4, column 3: the key 'epochs' appears twice in one object (first on line 2)")
        let huge = Self.file("{\n  \"epochs\": 5,\n  \"alpha\": 1e400\n}\n", "huge.json")
        Self.expectCleanFailure(try CLI.run(["train", "--config", huge]),
                                "huge.json: at line 3, column 12: the number 1e400 is out of range")
    }

    // MARK: D19

    /// D19: a validation fraction that leaves no training rows blames --validation-fraction.
    @Test func validationFractionTakingEveryRowBlamesItself() throws {
        let result = try CLI.run(["train", "--validation-fraction", "0.999", "--patience", "3"])
        Self.expectCleanFailure(result, "--validation-fraction 0.999 takes all 500 rows left after the test set")
        #expect(!result.stderr.contains("--test-fraction"), "\(result.stderr)")
        let csv = Self.file("a,b,label\n" + Self.eightRows.joined(separator: "\n") + "\n", "d19.csv")
        let fromFile = try CLI.run(["train", "--train", csv, "--validation-fraction", "0.99", "--patience", "3"])
        Self.expectCleanFailure(fromFile, "--validation-fraction 0.99 takes all 4 rows left after the test set")
    }

    // MARK: D21 --init-weights

    /// D21: `true` is not a weight, a model of other features is refused, an empty file says
    /// so, and malformed JSON gives its line and column.
    @Test func initWeightsFilesAreReadStrictly() throws {
        let boolean = Self.file("{\"weights\": [[true, 0.5, 1]]}", "true.json")
        Self.expectCleanFailure(try CLI.run(["train", "--init-weights", boolean, "--epochs", "1"]), "the weights must be numbers (found true)")
        let model = Self.dir.appendingPathComponent("blobs-model").path
        #expect(try CLI.run(["train", "--epochs", "1", "--output", model]).status == 0)
        let csv = Self.file("p,q,label\n" + Self.eightRows.joined(separator: "\n") + "\n", "d21.csv")
        Self.expectCleanFailure(try CLI.run(["train", "--train", csv, "--init-weights", model + "/model.json", "--epochs", "1"]),
                                "the model's features are x0, x1, but the training data has p, q")
        let empty = Self.file("", "empty.json")
        Self.expectCleanFailure(try CLI.run(["train", "--init-weights", empty, "--epochs", "1"]), "empty.json: the --init-weights file is empty")
        let malformed = Self.file("{\"weights\": [[1, 0.5,\n 1]", "malformed.json")
        Self.expectCleanFailure(try CLI.run(["train", "--init-weights", malformed, "--epochs", "1"]), "malformed.json: malformed JSON at line 2, column 4")
        let truthy = Self.file("{\"format-version\": true}", "truthy-model.json")
        Self.expectCleanFailure(try CLI.run(["predict", "--model", truthy, "--input", csv]), "'format-version' must be a whole number (got true)")
    }

    // MARK: D23 line ends and long numbers

    /// D23: CR-only line ends, and a valid number longer than 62 characters.
    @Test func carriageReturnLineEndsAndLongNumbers() throws {
        let cr = Self.file("a,b,label\r" + Self.eightRows.joined(separator: "\r") + "\r", "cr.csv")
        let result = try CLI.run(["train", "--train", cr, "--test-fraction", "0.25", "--epochs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("6 training, 2 test rows"), "\(result.stderr)")
        let long = "1." + String(repeating: "0", count: 80) + "1"
        let longRows = ["a,b,label", "\(long),2,0", "3,\"\(long)\",1"] + Self.eightRows
        let longFile = Self.file(longRows.joined(separator: "\n") + "\n", "long.csv")
        let parsed = try CLI.run(["train", "--train", longFile, "--epochs", "2"])
        #expect(parsed.status == 0, "\(parsed.stderr)")
    }

    // MARK: D24 ignored flags and negative label columns

    /// D24: flags a run ignores print a warning on standard error.
    @Test func ignoredFlagsWarn() throws {
        let blobs = try CLI.run(["train", "--standardize", "--full-loss", "--drop-last", "--epochs", "1"])
        #expect(blobs.status == 0, "\(blobs.stderr)")
        #expect(blobs.stderr.contains("warning: --standardize is ignored for generated blobs"), "\(blobs.stderr)")
        #expect(blobs.stderr.contains("warning: --drop-last is ignored with --optimizer gd"))
        #expect(blobs.stderr.contains("warning: --full-loss is ignored with --optimizer gd"))
        #expect(!blobs.stdout.contains("warning"), "warnings go to standard error")
        let csv = Self.file("a,b,label\n" + Self.eightRows.joined(separator: "\n") + "\n", "d24.csv")
        let files = try CLI.run(["train", "--train", csv, "--test", csv, "--test-fraction", "0.3", "--epochs", "1"])
        #expect(files.status == 0, "\(files.stderr)")
        #expect(files.stderr.contains("warning: --test-fraction is ignored with --test"), "\(files.stderr)")
        let quiet = try CLI.run(["train", "--optimizer", "sgd", "--drop-last", "--epochs", "1"])
        #expect(!quiet.stderr.contains("warning"), "\(quiet.stderr)")
    }

    /// D24: a negative --label-column counts from the end (-1 is the last column, as in
    /// Python); out of range it says what is allowed.
    @Test func negativeLabelColumnCountsFromTheEnd() throws {
        let csv = Self.file("label,a,b\n" + (0..<8).map { "\($0 % 2),\($0),\($0 * 3 % 7)" }.joined(separator: "\n") + "\n", "label-first.csv")
        let first = try CLI.run(["train", "--train", csv, "--label-column", "-3", "--epochs", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("2 features, 2 classes"), "\(first.stderr)")
        let last = try CLI.run(["train", "--train", csv, "--label-column", "-1", "--epochs", "1"])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(!last.stderr.contains("Missing value"))
        Self.expectCleanFailure(try CLI.run(["train", "--train", csv, "--label-column", "-4"]), "no column named '-4' for --label-column")
    }

    // MARK: Found by fuzzing

    /// Fuzzing: a NumPy header with a huge column count and no rows, and one whose size
    /// overflows, are refused at once (they ran out of memory or trapped).
    @Test func hostileNumPyShapesAreRefused() throws {
        func npy(_ shape: String) -> Data {
            var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
            header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
            let length = UInt16(header.utf8.count)
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8))
        }
        let empty = Self.dir.appendingPathComponent("wide-empty.npy").path
        try npy("(0, 4611686018427387904)").write(to: URL(fileURLWithPath: empty))
        Self.expectCleanFailure(try CLI.run(["train", "--train", empty]), "the array has no rows")
        let overflow = Self.dir.appendingPathComponent("overflow.npy").path
        try npy("(4294967296, 4294967296)").write(to: URL(fileURLWithPath: overflow))
        Self.expectCleanFailure(try CLI.run(["train", "--train", overflow]), "truncated: shape (4294967296, 4294967296)")
    }

    /// Fuzzing: a quote inside an unquoted field made the record count, and so whether a
    /// file was accepted, depend on the thread count; it is now an error at its place, as is
    /// a quoted field never closed (which used to say "too few rows").
    @Test func strayAndUnclosedQuotesAreErrorsAtTheirPlace() throws {
        let stray = Self.file("a,b,label\n1,2,x\"y\n3,4,z\n", "stray.csv")
        Self.expectCleanFailure(try CLI.run(["train", "--train", stray]), "stray.csv:2:3: a quote character inside an unquoted field")
        let open = Self.file("a,b,label\n1,2,\"x\n3,4,z\n", "open.csv")
        Self.expectCleanFailure(try CLI.run(["train", "--train", open]), "open.csv:2:3: a quoted field is never closed")
        // A file of many parts (over 64 KiB): the same error on 1 and 2 threads.
        let rows = (0..<8000).map { "\($0),\($0 % 7),\($0 % 2 == 0 ? "even" : "odd")" }
        var text = "a,b,label\n" + rows.joined(separator: "\n") + "\n"
        text = text.replacingOccurrences(of: "\n4000,3,even\n", with: "\n4000,3,ev\"en\n")
        let big = Self.file(text, "stray-big.csv")
        for threads in ["1", "2"] {
            Self.expectCleanFailure(try CLI.run(["train", "--train", big, "--threads", threads]), "stray-big.csv:4002:3: a quote character inside an unquoted field")
        }
    }

    /// Fuzzing: a wide header over many short lines is reported before rows x columns
    /// values are allocated (120 KB asked for 3.2 GB); run under a 1 GB address-space limit.
    @Test func wideHeaderOverShortRowsDoesNotAllocate() throws {
        let header = (0..<20_000).map { "c\($0)" }.joined(separator: ",")
        let path = Self.file(header + "\n" + String(repeating: "1\n", count: 20_000), "wide.csv")
        let result = try Self.shell("ulimit -v 1000000; \"$D\" train --train '\(path)'")
        Self.expectCleanFailure(result, "wide.csv:2: 1 column, but the header has 20000")
    }
}
