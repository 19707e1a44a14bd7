import Foundation
import Testing
import DescentTestSupport

/// Every bad input gets a clear message naming what is wrong, a non-zero exit status, and
/// never a crash or a stack trace.
struct BadInputTests {
    static let dir = CLI.temporaryDirectory()

    static let cases: [(arguments: [String], message: String)] = {
        let d = dir
        let wide = CLI.write("a,b,label\n1,2,0\n1,2,0,9\n", to: "wide.csv", in: d)
        let word = CLI.write("a,b,label\n1,2,0\n1,two,1\n", to: "word.csv", in: d)
        let labels = CLI.write("a,b,label\n1,2,0\n3,4,2\n5,6,1\n", to: "labels.csv", in: d)
        let nan = CLI.write("a,b,label\n1,2,0\nNaN,4,1\n", to: "nan.csv", in: d)
        let inf = CLI.write("a,b,label\n1,2,0\n3,-inf,1\n", to: "inf.csv", in: d)
        let json = CLI.write("{\n  \"epochs\": 10,\n  \"alpha\" 0.1\n}\n", to: "bad.json", in: d)
        let unknown = CLI.write("{\"epochs\": 10, \"learning-rate\": 0.1}", to: "unknown.json", in: d)
        let weights = CLI.write("0.1,0.2\n", to: "weights.csv", in: d)
        // 70,000 distinct labels: more classes than a packed label column holds (2 bytes).
        let manyClasses = CLI.write("a,label\n" + (0..<70_000).map { "\($0 % 3),\($0)\n" }.joined(), to: "classes.csv", in: d)
        return [
            (["train", "--epochs", "0"], "--epochs must be at least 1"),
            (["train", "--alpha", "0"], "--alpha must be a finite number > 0"),
            (["train", "--alpha=-1"], "--alpha must be a finite number > 0"),
            (["train", "--alpha", "nan"], "--alpha must be a finite number > 0"),
            (["train", "--alpha", "inf"], "--alpha must be a finite number > 0"),
            (["train", "--threads", "0"], "--threads must be at least 1"),
            (["train", "--samples", "1"], "--samples must be at least 2"),
            (["train", "--test-fraction", "0"], "--test-fraction must be strictly between 0 and 1"),
            (["train", "--test-fraction", "1.5"], "--test-fraction must be strictly between 0 and 1"),
            (["train", "--features", "0"], "--features must be at least 1"),
            (["train", "--centers", "0"], "--centers must be at least 1"),
            (["train", "--train", d.path + "/missing.csv"], "missing.csv: no such file"),
            (["train", "--train", d.path], "cannot be read"),
            (["train", "--config", d.path + "/missing.json"], "missing.json: no such configuration file"),
            (["train", "--config", json], "bad.json: malformed JSON at line 3, column 11"),
            (["train", "--config", unknown], "unknown key 'learning-rate'"),
            (["train", "--train", wide], "wide.csv:3: 4 columns, but the header has 3"),
            (["train", "--train", word], "word.csv:3:2: column 'b' holds 'two', which is not a number"),
            (["train", "--train", labels, "--loss", "squared-error"], "--loss squared-error is for two classes, but the data has 3"),
            (["train", "--train", manyClasses, "--threads", "2"], "classes.csv: label column 'label' holds 70000 distinct labels; descent trains up to 65536 classes"),
            (["train", "--train", nan], "nan.csv:3:1: column 'a' holds 'NaN'; NaN and infinite values are not allowed"),
            (["train", "--train", inf], "inf.csv:3:2: column 'b' holds '-inf'"),
            (["train", "--init-weights", weights], "this model needs 1 line of 3 numbers"),
            (["train", "--optimizer", "sgd", "--batch-size", "0"], "--batch-size must be at least 1"),
            (["train", "--momentum", "0.5", "--nesterov", "--dampening", "0.1"], "--nesterov needs --momentum > 0 and --dampening 0"),
            (["train", "--optimizer", "sgd", "--workers", "0"], "--workers must be at least 1"),
            (["train", "--optimizer", "sgd", "--samples", "10", "--workers", "6"], "--workers 6 is more than the 5 training rows"),
            (["train", "--optimizer", "sgd", "--workers", "2", "--sync-every", "0"], "--sync-every must be at least 1 batch"),
            (["train", "--workers", "4"], "--workers 4 needs --optimizer sgd"),
            (["train", "--sync-every", "4"], "--sync-every needs --optimizer sgd"),
            (["train", "--optimizer", "sgd", "--samples", "100", "--workers", "10", "--batch-size", "8", "--drop-last"],
             "--workers 10 with --drop-last gives each worker 5 rows, fewer than one --batch-size 8 batch"),
            (["bench", "--optimizer", "gd", "--workers", "2"], "--workers and --sync-every need --optimizer sgd"),
        ]
    }()

    @Test(arguments: 0..<cases.count)
    func badInputFailsCleanly(_ index: Int) throws {
        let (arguments, message) = BadInputTests.cases[index]
        let result = try CLI.run(arguments)
        #expect(result.status == 2, "\(arguments): status \(result.status)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").contains { $0.hasPrefix("error: ") }, "\(arguments)")
        #expect(!result.stdout.contains("[INFO] training..."), "\(arguments): rejected before the run starts")
        for crash in ["Fatal error", "Stack dump", "Current stack trace", "Segmentation"] {
            #expect(!result.stderr.contains(crash), "\(arguments) crashed: \(result.stderr)")
        }
    }

    @Test func divergenceStopsKeepsOutputsAndSuggestsASmallerAlpha() throws {
        let out = CLI.temporaryDirectory().appendingPathComponent("diverged").path
        let result = try CLI.run(["train", "--alpha", "1e308", "--output", out])
        #expect(result.status == 3)
        #expect(result.stderr.contains("training diverged at epoch 1"), "\(result.stderr)")
        #expect(result.stderr.contains("try a smaller --alpha"))
        #expect(FileManager.default.fileExists(atPath: out + "/loss.csv"))
        #expect(FileManager.default.fileExists(atPath: out + "/loss.svg"))
    }

    @Test func outputPathThatIsAFileIsRejected() throws {
        let file = CLI.write("x", to: "not-a-folder", in: BadInputTests.dir)
        let result = try CLI.run(["train", "--epochs", "1", "--output", file])
        #expect(result.status == 4)
        #expect(result.stderr.contains("exists and is not a folder"))
        #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "x", "the file is left alone")
    }
}
