import Foundation
import Testing
@testable import Descent
import DescentTestSupport

struct ConfigurationTests {
    @Test func shippedConfigurationsParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Configs").path).filter { $0.hasSuffix(".json") }
        #expect(files.contains("tutorial.json") && files.contains("blobs-10m.json"))
        for file in files {
            var c = RunConfiguration()
            try c.apply(jsonFile: root.appendingPathComponent("Configs").appendingPathComponent(file).path)
            try c.validate()
        }
        var tutorial = RunConfiguration()
        try tutorial.apply(jsonFile: root.appendingPathComponent("Configs/tutorial.json").path)
        #expect(tutorial == { var d = RunConfiguration(); d.loss = .squaredError; return d }(), "tutorial.json is the default run")
    }

    @Test func unknownKeyIsNamed() {
        var c = RunConfiguration()
        #expect(throws: DescentError.self) { try c.apply(json: Data(#"{"epoch": 5}"#.utf8), source: "x.json") }
        do { try c.apply(json: Data(#"{"epoch": 5}"#.utf8), source: "x.json") } catch {
            #expect("\(error)".contains("unknown key 'epoch' (did you mean 'epochs'?)"))
        }
    }

    @Test func malformedJSONGivesLineAndColumn() {
        var c = RunConfiguration()
        let text = "{\n  \"epochs\": 5,\n  \"alpha\": ,\n}"
        do {
            try c.apply(json: Data(text.utf8), source: "bad.json")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("bad.json: malformed JSON at line 3, column 12"), "\(error)")
        }
    }

    @Test func wrongTypesAreRejected() {
        var c = RunConfiguration()
        for text in [#"{"epochs": true}"#, #"{"epochs": 2.5}"#, #"{"alpha": "big"}"#, #"{"loss": "l1"}"#, #"{"nesterov": 1}"#] {
            #expect(throws: DescentError.self, "\(text)") { try c.apply(json: Data(text.utf8), source: "t.json") }
        }
    }

    @Test func validationMessagesNameTheFlag() {
        func message(_ change: (inout RunConfiguration) -> Void) -> String {
            var c = RunConfiguration()
            change(&c)
            do { try c.validate(); return "" } catch { return "\(error)" }
        }
        #expect(message { $0.training.epochs = 0 }.contains("--epochs must be at least 1"))
        #expect(message { $0.training.alpha = 0 }.contains("--alpha must be a finite number > 0"))
        #expect(message { $0.training.alpha = .nan }.contains("--alpha"))
        #expect(message { $0.threads = 0 }.contains("--threads must be at least 1"))
        #expect(message { $0.samples = 1 }.contains("--samples must be at least 2"))
        #expect(message { $0.testFraction = 1 }.contains("--test-fraction must be strictly between 0 and 1"))
        #expect(message { $0.features = 0 }.contains("--features must be at least 1"))
        #expect(message { $0.centers = 0 }.contains("--centers must be at least 1"))
        #expect(message { $0.training.nesterov = true }.contains("--nesterov needs --momentum > 0"))
        #expect(message { _ in } == "")
    }

    @Test func schedules() {
        var t = TrainingConfiguration()
        t.alpha = 0.1
        t.schedule = .step; t.stepSize = 10; t.gamma = 0.5
        #expect(t.learningRate(epoch: 9) == 0.1 && t.learningRate(epoch: 10) == 0.05 && t.learningRate(epoch: 25) == 0.025)
        t.schedule = .inverseTime; t.decay = 0.5
        #expect(t.learningRate(epoch: 2) == 0.1 / 2)
        t.schedule = .cosine; t.epochs = 10
        #expect(t.learningRate(epoch: 0) == 0.1 && abs(t.learningRate(epoch: 5) - 0.05) < 1e-15)
    }
}
