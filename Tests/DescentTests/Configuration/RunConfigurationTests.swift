import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// A run's configuration (`RunConfiguration.swift`): read from JSON, checked by `validate()`,
/// written back, hashed and compared.
struct RunConfigurationTests {
    @Test func shippedConfigurationsParse() throws {
        let root = CLI.packageRoot
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Configs").path)
            .filter { $0.hasSuffix(".json") }
        #expect(files.contains("tutorial.json") && files.contains("blobs-10m.json"))
        for file in files {
            var c = RunConfiguration()
            try c.apply(jsonFile: root.appendingPathComponent("Configs").appendingPathComponent(file).path)
            try c.validate()
        }
        var tutorial = RunConfiguration()
        try tutorial.apply(jsonFile: root.appendingPathComponent("Configs/tutorial.json").path)
        #expect(
            tutorial
                == {
                    var d = RunConfiguration()
                    d.loss = .squaredError
                    return d
                }(), "tutorial.json is the default run")
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
        for text in [
            #"{"epochs": true}"#, #"{"epochs": 2.5}"#, #"{"alpha": "big"}"#, #"{"loss": "l1"}"#, #"{"nesterov": 1}"#,
        ] {
            #expect(throws: DescentError.self, "\(text)") { try c.apply(json: Data(text.utf8), source: "t.json") }
        }
    }

    /// `true` is a boolean in a configuration file, never 1.
    @Test func configurationKeysKeepTheirTypes() throws {
        var configuration = RunConfiguration()
        #expect(throws: DescentError.self) {
            try configuration.apply(json: Data("{\"epochs\": true}".utf8), source: "c.json")
        }
        try configuration.apply(json: Data("{\"epochs\": 7, \"shuffle\": false}".utf8), source: "c.json")
        #expect(configuration.training.epochs == 7 && configuration.training.shuffle == .none)
    }

    @Test func validationMessagesNameTheFlag() {
        func message(_ change: (inout RunConfiguration) -> Void) -> String {
            var c = RunConfiguration()
            change(&c)
            do {
                try c.validate()
                return ""
            } catch { return "\(error)" }
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

    /// A configuration survives its JSON form exactly (the resumed run is configured from it).
    @Test func configurationRoundTripsThroughJSON() throws {
        var c = RunConfiguration()
        c.samples = 12_345
        c.features = 7
        c.centers = 3
        c.clusterStd = 1.7000000000000002
        c.centerBox = -3.3...7.1
        c.testFraction = 0.3
        c.validationFraction = 0.1
        c.training.alpha = 0.1 + 0.2
        c.training.momentum = 0.9
        c.training.optimizer = .sgd
        c.training.batchSize = 48
        c.training.workers = 4
        c.training.syncEvery = 5
        c.training.weightDecay = 1e-7
        c.training.schedule = .step
        c.training.stepSize = 9
        c.training.gamma = 0.3333333333333333
        c.training.targetLoss = 1e-300
        c.training.patience = 4
        c.training.seed = 987_654_321
        c.precision = .float32
        c.loss = .hinge
        var back = RunConfiguration()
        try back.apply(json: Data(JSONValue.object(c.settingsObject()).text().utf8), source: "test")
        #expect(back == c)
        #expect(back.identityHash == c.identityHash)
        var other = c
        other.training.alpha = 0.3
        #expect(other.identityHash != c.identityHash)
        #expect(other.differences(from: c) == ["alpha 0.30000000000000004 in the checkpoint, 0.3 now"])
    }
}
