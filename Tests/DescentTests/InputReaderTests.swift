import Foundation
import Testing
@testable import Descent
import DescentTestSupport

/// The readers of untrusted input: the strict JSON reader, streams, label column indexes,
/// long numbers, the loss format, and the fuzz corpus replayed through every fuzz target.
struct InputReaderTests {
    // MARK: JSONParser

    @Test func jsonValuesParseAsWritten() throws {
        let value = try JSONParser.parse(Array("\u{FEFF} {\"a\": [1, -2.5e3, true, false, null], \"b\": \"x\\u00e9\\ud83d\\ude00\\n\"} ".utf8))
        #expect(value == .object(["a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]), "b": .string("xé😀\n")]))
        #expect(try JSONParser.parse(Array("0".utf8)) == .number(0))
    }

    @Test func jsonErrorsSayWhere() {
        let cases: [(String, String)] = [
            ("{\"a\": 1,\n \"a\": 2}", "at line 2, column 2: the key 'a' appears twice in one object (first on line 1)"),
            ("{\"a\": {\"b\": 1, \"b\": 1}}", "the key 'b' appears twice"),
            ("{\n\"alpha\": 1e400}", "at line 2, column 10: the number 1e400 is out of range"),
            ("[-1e309]", "the number -1e309 is out of range"),
            ("", "malformed JSON at line 1, column 1: the text is empty"),
            ("{\"a\" 1}", "malformed JSON at line 1, column 6: unexpected '1'; expected ':' after the key 'a'"),
            ("[1,]", "unexpected ']' where a value was expected"),
            ("[01]", "a number may not start with 0"),
            ("[1.]", "digits after its decimal point"),
            ("[tru]", "unknown word; expected true"),
            ("\"abc", "a string is never closed"),
            ("\"a\u{01}\"", "a control character"),
            ("\"\\ud800\"", "lone surrogate"),
            ("\"\\x\"", "unknown escape"),
            ("{} x", "after the end of the JSON value"),
            (String(repeating: "[", count: 100_000), "nested more than 512 deep"),
        ]
        for (text, message) in cases {
            do {
                _ = try JSONParser.parse(Array(text.utf8))
                Issue.record("\(text.prefix(40)) parsed")
            } catch {
                #expect("\(error)".contains(message), "\(text.prefix(40)): \(error)")
            }
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    /// `true` is a boolean in a configuration file, never 1.
    @Test func configurationKeysKeepTheirTypes() throws {
        var configuration = RunConfiguration()
        #expect(throws: DescentError.self) { try configuration.apply(json: Data("{\"epochs\": true}".utf8), source: "c.json") }
        try configuration.apply(json: Data("{\"epochs\": 7, \"shuffle\": false}".utf8), source: "c.json")
        #expect(configuration.training.epochs == 7 && configuration.training.shuffle == false)
    }

    // MARK: Streams and label columns

    /// A pipe is read whole (it cannot be mapped), and a stream over the limit is refused.
    @Test func pipesAreReadIntoMemory() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = String(repeating: "1,2,0\n", count: 1000)
        let written = text.utf8.withContiguousStorageIfAvailable { write(fds[1], $0.baseAddress, $0.count) }
        #expect(written == text.utf8.count)
        close(fds[1])
        defer { close(fds[0]) }
        let file = try MappedFile(path: "/proc/self/fd/\(fds[0])", role: "--train")
        #expect(file.count == text.utf8.count)
        #expect(String(decoding: UnsafeBufferPointer(start: file.bytes, count: file.count), as: UTF8.self) == text)

        #expect(pipe(&fds) == 0)
        _ = text.utf8.withContiguousStorageIfAvailable { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        #expect(throws: DescentError.self) { try MappedFile(path: "/proc/self/fd/\(fds[0])", role: "--train", streamLimit: 100) }
    }

    @Test func labelColumnIndexesCountFromTheEndWhenNegative() {
        #expect(LabelColumnChoice.index("0", columns: 3) == 0)
        #expect(LabelColumnChoice.index("2", columns: 3) == 2)
        #expect(LabelColumnChoice.index("3", columns: 3) == nil)
        #expect(LabelColumnChoice.index("-1", columns: 3) == 2)
        #expect(LabelColumnChoice.index("-3", columns: 3) == 0)
        #expect(LabelColumnChoice.index("-4", columns: 3) == nil)
        #expect(LabelColumnChoice.index("label", columns: 3) == nil)
    }

    // MARK: Numbers and losses

    /// D23: numbers of any length parse to strtod's double.
    @Test func longNumbersParseExactly() {
        let texts = ["1." + String(repeating: "0", count: 80) + "1",
                     "0." + String(repeating: "0", count: 70) + "123456789012345678901234567890",
                     String(repeating: "9", count: 400) + "e-300",
                     "-" + String(repeating: "1", count: 100) + "." + String(repeating: "7", count: 100) + "e-50"]
        for text in texts {
            #expect(DecimalParser.shared.parse(text) == strtod(text, nil), "\(text.prefix(30))")
        }
    }

    /// D12: losses print short for every magnitude.
    @Test func lossesPrintShort() {
        #expect(LossText.format(1.0073494388) == "1.0073494")
        #expect(LossText.format(155.9891740) == "155.9891740")
        #expect(LossText.format(999_999.5) == "999999.5000000")
        #expect(LossText.format(3.763548268759673e128) == "3.763548e+128")
        #expect(LossText.format(-2e300) == "-2.000000e+300")
        #expect(LossText.format(.nan) == "nan" && LossText.format(.infinity) == "inf")
        #expect(LossText.format(Double.greatestFiniteMagnitude).count < 20)
    }

    // MARK: Fuzz corpus

    /// Every seed of the fuzz corpus (and every input that once crashed a reader, kept
    /// there) goes through its target in this process: none may trap.
    @Test(arguments: ["csv", "json", "model"])
    func fuzzCorpusReplays(_ target: String) throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/\(target)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count >= 5)
        let run = try #require(FuzzTargets.all[target])
        for name in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            data.withUnsafeBytes { run($0) }
        }
    }
}
