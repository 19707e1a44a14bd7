import DescentTestSupport
import Foundation
import Testing

/// Configuration files' JSON (`JSONParser`) at the command line: errors at their line and column.
struct JSONParserTests {
    static let dir = CLI.temporaryDirectory()

    /// D18: a key given twice and a number beyond float64 are errors at their own place.
    @Test func duplicateKeysAndHugeNumbersInConfigurationFiles() throws {
        let duplicate = CLI.write(
            "{\n  \"epochs\": 5,\n  \"alpha\": 0.1,\n  \"epochs\": 7\n}\n", to: "duplicate.json", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--config", duplicate]),
            "duplicate.json: at line 4, column 3: the key 'epochs' appears twice in one object (first on line 2)")
        let huge = CLI.write("{\n  \"epochs\": 5,\n  \"alpha\": 1e400\n}\n", to: "huge.json", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--config", huge]),
            "huge.json: at line 3, column 12: the number 1e400 is out of range")
    }
}
