import DescentTestSupport
import Foundation
import Testing

/// `--init-weights` and `--model` files (`ModelFile`), read strictly.
struct ModelFileTests {
    static let dir = CLI.temporaryDirectory()

    /// D21: `true` is not a weight, a model of other features is refused, an empty file says
    /// so, and malformed JSON gives its line and column.
    @Test func initWeightsFilesAreReadStrictly() throws {
        let boolean = CLI.write("{\"weights\": [[true, 0.5, 1]]}", to: "true.json", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--init-weights", boolean, "--epochs", "1"]),
            "the weights must be numbers (found true)")
        let model = Self.dir.appendingPathComponent("blobs-model").path
        #expect(try CLI.run(["train", "--epochs", "1", "--output", model]).status == 0)
        let csv = CLI.write("p,q,label\n" + eightRows.joined(separator: "\n") + "\n", to: "d21.csv", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--train", csv, "--init-weights", model + "/model.json", "--epochs", "1"]),
            "the model's features are x0, x1, but the training data has p, q")
        let empty = CLI.write("", to: "empty.json", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--init-weights", empty, "--epochs", "1"]),
            "empty.json: the --init-weights file is empty")
        let malformed = CLI.write("{\"weights\": [[1, 0.5,\n 1]", to: "malformed.json", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--init-weights", malformed, "--epochs", "1"]),
            "malformed.json: malformed JSON at line 2, column 4")
        let truthy = CLI.write("{\"format-version\": true}", to: "truthy-model.json", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["predict", "--model", truthy, "--input", csv]),
            "'format-version' must be a whole number (got true)")
    }
}
