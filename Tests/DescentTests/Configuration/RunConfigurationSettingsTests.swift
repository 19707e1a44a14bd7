import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The settings table (`RunConfiguration.settings`): every property of a run's configuration
/// is reached by a setting, every setting survives a checkpoint's text, and exactly the
/// identity settings change the identity hash and make `--resume` refuse.
struct RunConfigurationSettingsTests {
    /// A value of `setting`'s kind that differs from its default (and reads back).
    static func otherValue(_ setting: Setting) -> JSONValue {
        let current = setting.defaultValue
        switch setting.kind {
        case .wholeNumber:
            if case .number(let n)? = current { return .number(n + 1) }
            return 7
        case .number:
            if case .number(let n)? = current { return .number(n + 0.25) }
            return 0.75
        case .bool:
            if case .bool(let b)? = current { return .bool(!b) }
            return true
        case .text:
            if case .string(let s)? = current { return .string("other-" + s) }
            return "a value"
        case .range:
            return [-3.5, 12.25]
        case .choice(let names):
            return .string(names.first { JSONValue.string($0) != current }!)
        }
    }

    /// A configuration with every setting changed from its default.
    static func everySettingChanged() throws -> RunConfiguration {
        var changed = RunConfiguration()
        for setting in RunConfiguration.settings {
            try changed.apply([setting.key: otherValue(setting)], from: .file("test"))
        }
        return changed
    }

    /// Stored properties by path ("training.alpha") with their values as text.
    static func properties(_ value: Any, prefix: String = "") -> [String: String] {
        var out: [String: String] = [:]
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            if child.value is TrainingConfiguration {
                out.merge(properties(child.value, prefix: prefix + label + "."), uniquingKeysWith: { a, _ in a })
            } else {
                out[prefix + label] = "\(child.value)"
            }
        }
        return out
    }

    /// A property that no setting reaches keeps its default in a configuration whose every
    /// setting changed: then a new option was given a property but no key (the bug of
    /// 0.7.0's six places, where a key left out of the writer was silently lost on resume).
    @Test func everyPropertyIsASetting() throws {
        let defaults = Self.properties(RunConfiguration())
        let changed = Self.properties(try Self.everySettingChanged())
        // Not settings: the size from which batches split over threads (tuning; the bits never
        // change), and the trainer's loss, which the run resolves from `loss` (nil: by classes).
        // `alpha` holds a number or `auto`: the changed configuration has another number, and
        // `auto` is checked below.
        let notSettings: Set<String> = [
            "training.parallelBatchRows", "training.loss", "training.autoAlpha", "training.l2PerRow",
        ]
        #expect(defaults.count > 35)
        for (name, value) in defaults.sorted(by: { $0.key < $1.key }) where !notSettings.contains(name) {
            #expect(changed[name] != value, "\(name) is not reached by any setting of RunConfiguration.settings")
        }
        var auto = RunConfiguration()
        try auto.apply(["alpha": "auto"], from: .file("test"))
        #expect(auto.training.autoAlpha && auto.settingsObject()["alpha"] == "auto")
        #expect(auto.identityHash != RunConfiguration().identityHash)
        var back = RunConfiguration()
        try back.apply(auto.settingsObject(), from: .file("checkpoint"))
        #expect(back == auto)
        // `l2` holds a number or K/n.
        var perRow = RunConfiguration()
        try perRow.apply(["l2": "2.5/n"], from: .file("test"))
        #expect(perRow.training.l2PerRow && perRow.training.l2 == 2.5 && perRow.settingsObject()["l2"] == "2.5/n")
        var again = RunConfiguration()
        try again.apply(perRow.settingsObject(), from: .file("checkpoint"))
        #expect(again == perRow && again.identityHash != RunConfiguration().identityHash)
        #expect(throws: DescentError.self) { try again.apply(["l2": "1/m"], from: .file("test")) }
    }

    /// Every setting is written to a checkpoint and read back from its text, exactly.
    @Test func everySettingSurvivesACheckpoint() throws {
        let changed = try Self.everySettingChanged()
        let state = TrainingState<Double>(
            epoch: 1, weights: [0.5], velocity: [0], optimizerSteps: [0], best: 1, bestWeights: [],
            bestEpoch: 0, sinceImprovement: 0)
        let checkpoint = try Checkpoint(
            state: state, configuration: changed, dataFingerprint: "f", run: RunIdentity(configuration: changed),
            lossLogBytes: 40)
        let folder = CLI.temporaryDirectory()
        try checkpoint.jsonData().write(to: folder.appendingPathComponent(Checkpoint.fileName))
        let read = try Checkpoint(folder: folder.path)
        #expect(Set(read.configuration.keys) == Set(RunConfiguration.settings.map(\.key)))
        var back = RunConfiguration()
        try back.apply(read.configuration, from: .file("checkpoint"))
        #expect(back == changed)
        #expect(Self.properties(back) == Self.properties(changed))
    }

    /// Changing an identity setting changes the hash and is a difference `--resume` refuses;
    /// changing an execution setting (threads, NUMA, output, checkpoint interval) is neither.
    @Test func identitySettingsAndOnlyThoseChangeTheRun() throws {
        let base = RunConfiguration()
        var identity = 0
        for setting in RunConfiguration.settings {
            var other = base
            try other.apply([setting.key: Self.otherValue(setting)], from: .file("test"))
            let differences = other.differences(from: base)
            if setting.role == .identity {
                identity += 1
                #expect(other.identityHash != base.identityHash, "\(setting.key)")
                #expect(
                    differences.count == 1 && differences[0].hasPrefix(setting.key + " "),
                    "\(setting.key): \(differences)")
            } else {
                #expect(other.identityHash == base.identityHash, "\(setting.key)")
                #expect(differences.isEmpty, "\(setting.key): \(differences)")
            }
        }
        #expect(identity == RunConfiguration.settings.count - 4)
        #expect(
            Set(RunConfiguration.settings.filter { $0.role == .execution }.map(\.key)) == [
                "threads", "numa", "output", "checkpoint-every",
            ])
    }

    @Test func keysAreUniqueAndNamedLikeFlags() {
        let keys = RunConfiguration.settings.map(\.key)
        #expect(Set(keys).count == keys.count)
        // Lowercase words joined by hyphens, digits after the first letter (`l2`), as
        // ArgumentParser names the properties' flags.
        #expect(
            keys.allSatisfy {
                $0.first?.isLowercase == true && $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }
            })
    }

    /// The command line names a setting by its flag, a file by path and key.
    @Test func messagesNameTheSettingAsTheUserWroteIt() {
        var c = RunConfiguration()
        #expect(throws: DescentError.configuration("--seed must be a whole number >= 0 and below 2^53 (got -1)")) {
            try c.apply(["seed": -1], from: .commandLine)
        }
        #expect(
            throws: DescentError.configuration("x.json: 'seed' must be a whole number >= 0 and below 2^53 (got -1)")
        ) {
            try c.apply(["seed": -1], from: .file("x.json"))
        }
        #expect(throws: DescentError.self) { try c.apply(["center-box": "1,abc"], from: .commandLine) }
        do { try c.apply(["center-box": "1,abc"], from: .commandLine) } catch {
            #expect(
                "\(error)"
                    == "--center-box must be LOW,HIGH with LOW < HIGH, for example --center-box=-10,10 (got '1,abc')")
        }
        // An optional setting is removed by null.
        c.threads = 3
        try? c.apply(["threads": nil], from: .file("x.json"))
        #expect(c.threads == nil)
    }
}
