import DescentTestSupport
import Foundation
import Testing

/// CSV files (`CSVFile`) at the command line: header names, line ends, long numbers, quotes,
/// and a header too wide for its rows.
struct CSVFileTests {
    static let dir = CLI.temporaryDirectory()

    /// D9: a UTF-8 byte order mark and quoted header names do not stay in column names.
    @Test func byteOrderMarkAndQuotedHeaderNamesAreStripped() throws {
        let text = "\u{FEFF}\"first\",\"second\",\"kind\"\n" + eightRows.joined(separator: "\n") + "\n"
        let path = CLI.write(text, to: "bom.csv", in: Self.dir)
        let out = Self.dir.appendingPathComponent("bom-out").path
        let result = try CLI.run(["train", "--train", path, "--label-column", "kind", "--epochs", "2", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let model =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json")))
            as? [String: Any]
        #expect(model?["features"] as? [String] == ["first", "second"])
        #expect(model?["label"] as? String == "kind")
        let bad = CLI.write("\u{FEFF}\"first\",\"second\",\"kind\"\n1,2,0\nx,4,1\n", to: "bom-bad.csv", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--train", bad, "--label-column", "kind"]), "column 'first' holds 'x'")
    }

    /// D23: CR-only line ends, and a valid number longer than 62 characters.
    @Test func carriageReturnLineEndsAndLongNumbers() throws {
        let cr = CLI.write("a,b,label\r" + eightRows.joined(separator: "\r") + "\r", to: "cr.csv", in: Self.dir)
        let result = try CLI.run(["train", "--train", cr, "--test-fraction", "0.25", "--epochs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("6 training, 2 test rows"), "\(result.stderr)")
        let long = "1." + String(repeating: "0", count: 80) + "1"
        let longRows = ["a,b,label", "\(long),2,0", "3,\"\(long)\",1"] + eightRows
        let longFile = CLI.write(longRows.joined(separator: "\n") + "\n", to: "long.csv", in: Self.dir)
        let parsed = try CLI.run(["train", "--train", longFile, "--epochs", "2"])
        #expect(parsed.status == 0, "\(parsed.stderr)")
    }

    /// Fuzzing: a quote inside an unquoted field made the record count, and so whether a
    /// file was accepted, depend on the thread count; it is now an error at its place, as is
    /// a quoted field never closed (which used to say "too few rows").
    @Test func strayAndUnclosedQuotesAreErrorsAtTheirPlace() throws {
        let stray = CLI.write("a,b,label\n1,2,x\"y\n3,4,z\n", to: "stray.csv", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--train", stray]), "stray.csv:2:3: a quote character inside an unquoted field")
        let open = CLI.write("a,b,label\n1,2,\"x\n3,4,z\n", to: "open.csv", in: Self.dir)
        expectCleanFailure(try CLI.run(["train", "--train", open]), "open.csv:2:3: a quoted field is never closed")
        // A file of many parts (over 64 KiB): the same error on 1 and 2 threads.
        let rows = (0..<8000).map { "\($0),\($0 % 7),\($0 % 2 == 0 ? "even" : "odd")" }
        var text = "a,b,label\n" + rows.joined(separator: "\n") + "\n"
        text = text.replacingOccurrences(of: "\n4000,3,even\n", with: "\n4000,3,ev\"en\n")
        let big = CLI.write(text, to: "stray-big.csv", in: Self.dir)
        for threads in ["1", "2"] {
            expectCleanFailure(
                try CLI.run(["train", "--train", big, "--threads", threads]),
                "stray-big.csv:4002:3: a quote character inside an unquoted field")
        }
    }

    /// Fuzzing: a wide header over many short lines is reported before rows x columns
    /// values are allocated (120 KB asked for 3.2 GB); run under a 1 GB address-space limit.
    @Test func wideHeaderOverShortRowsDoesNotAllocate() throws {
        let header = (0..<20_000).map { "c\($0)" }.joined(separator: ",")
        let path = CLI.write(header + "\n" + String(repeating: "1\n", count: 20_000), to: "wide.csv", in: Self.dir)
        let result = try CLI.shell("ulimit -v 1000000; \"$D\" train --train '\(path)'", in: Self.dir)
        expectCleanFailure(result, "wide.csv:2: 1 column, but the header has 20000")
    }
}
