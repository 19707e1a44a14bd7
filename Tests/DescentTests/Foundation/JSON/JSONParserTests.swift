import Foundation
import Testing

@testable import Descent

/// The strict JSON reader of configuration, checkpoint and model files.
struct JSONParserTests {
    @Test func jsonValuesParseAsWritten() throws {
        let value = try JSONParser.parse(
            Array("\u{FEFF} {\"a\": [1, -2.5e3, true, false, null], \"b\": \"x\\u00e9\\ud83d\\ude00\\n\"} ".utf8))
        #expect(
            value
                == .object([
                    "a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]), "b": .string("xé😀\n"),
                ]))
        #expect(try JSONParser.parse(Array("0".utf8)) == .number(0))
    }

    @Test func jsonErrorsSayWhere() {
        let cases: [(String, String)] = [
            (
                "{\"a\": 1,\n \"a\": 2}",
                "at line 2, column 2: the key 'a' appears twice in one object (first on line 1)"
            ),
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
}
