import DescentTestSupport
import Foundation
import Testing

/// Labels as people have them (`LabelEncoding`), end to end: any label names train the model
/// they expect, named in the report; one class, or a class only the test file has, is an error.
struct LabelEncodingTests {
    static let dir = CLI.temporaryDirectory()

    /// Labels as people have them train the model they expect, named in the report.
    @Test(arguments: [["-1", "1"], ["1", "2"], ["0", "7"], ["no", "yes"], ["setosa", "versicolor", "virginica"]])
    func anyLabels(_ names: [String]) throws {
        let dir = CLI.temporaryDirectory()
        // The file lists the classes out of order; the report sorts them as LabelEncoder does.
        let train = CLI.write(labelledCSV(names.reversed(), rows: 300), to: "train.csv", in: dir)
        let result = try CLI.run([
            "train", "--train", train, "--epochs", "200", "--alpha", "0.5", "--gradient", "mean",
            "--loss", names.count == 2 ? "log-loss" : "cross-entropy", "--output", dir.path + "/out",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("2 features, \(names.count) classes"), "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map(String.init)
        let reportRows = rows.filter { line in
            names.contains { line.trimmingCharacters(in: .whitespaces).hasPrefix($0 + " ") }
        }
        #expect(reportRows.count == 2 * names.count, "report and matrix rows: \(result.stdout)")
        for (i, name) in names.enumerated() {
            #expect(reportRows[i].trimmingCharacters(in: .whitespaces).hasPrefix(name + " "), "sorted: \(reportRows)")
        }
        #expect(result.stdout.contains("accuracy                           1.00"), "\(result.stdout)")
        let model = try String(contentsOfFile: dir.path + "/out/model.json", encoding: .utf8)
        for name in names { #expect(model.contains("\"\(name)\""), "model names its classes: \(model)") }
        let svg = try String(contentsOfFile: dir.path + "/out/data.svg", encoding: .utf8)
        #expect(svg.contains(">\(names[0])</text>"), "data.svg legend")
    }

    @Test func badLabels() throws {
        let dir = CLI.temporaryDirectory()
        let one = CLI.write("a,b,label\n1,2,x\n3,4,x\n5,6,x\n", to: "one.csv", in: dir)
        let train = CLI.write(labelledCSV(["0", "1"], rows: 40), to: "train.csv", in: dir)
        let test = CLI.write(labelledCSV(["0", "1"], rows: 10) + "0.5,0.5,7\n", to: "test.csv", in: dir)
        for (arguments, message) in [
            (
                ["train", "--train", one],
                "one.csv: every row has the label 'x' in column 'label'; a classifier needs at least two classes"
            ),
            (
                ["train", "--train", train, "--test", test],
                "test.csv:12: label '7' never occurs in the training data (classes: 0, 1)"
            ),
        ] {
            let result = try CLI.run(arguments)
            #expect(result.status == 2 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    /// D8: one class in the training file, and a class only the test file has, are exit-2
    /// errors naming the label (and the test file's line).
    @Test func oneClassAndTestOnlyClassAreErrors() throws {
        let one = CLI.write("a,b,label\n1,2,0\n3,4,0\n5,6,0\n7,8,0\n", to: "one-class.csv", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--train", one]),
            "every row has the label '0' in column 'label'; a classifier needs at least two classes")
        let train = CLI.write("a,b,label\n1,2,0\n3,4,1\n5,6,0\n", to: "d8-train.csv", in: Self.dir)
        let test = CLI.write("a,b,label\n1,2,0\n3,4,2\n", to: "d8-test.csv", in: Self.dir)
        expectCleanFailure(
            try CLI.run(["train", "--train", train, "--test", test]),
            "d8-test.csv:3: label '2' never occurs in the training data")
    }
}
