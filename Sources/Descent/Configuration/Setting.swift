import Foundation

/// One setting of a run, declared once: its key (the name in a JSON configuration and the
/// `--key` flag of `descent train`), where its value lives in ``RunConfiguration``, what kind
/// of value it takes, and whether it is part of the run's identity.
///
/// Reading a configuration file, reading a checkpoint, writing a checkpoint or `model.json`,
/// the identity hash and `--resume`'s check all go through ``RunConfiguration/settings``,
/// so a setting declared there is read, written and compared everywhere. Its default is the
/// initial value of its property in ``RunConfiguration``.
public struct Setting: @unchecked Sendable {
    /// Whether a setting changes what a run computes.
    public enum Role: Sendable, Equatable {
        /// Changes the result (the data, the model, the numbers): part of the identity hash;
        /// `--resume` refuses to change it.
        case identity
        /// Changes only how the run is executed or where it writes (threads, NUMA placement,
        /// the output folder, the checkpoint interval): `--resume` may change it.
        case execution
    }

    /// The kind of value a setting takes, as a JSON file writes it.
    public enum Kind: Sendable, Equatable {
        case wholeNumber, number, bool, text, range
        /// One of these names.
        case choice([String])
    }

    public let key: String
    public let role: Role
    public let kind: Kind
    /// Whether the setting may be absent (then it has no value and is not written).
    public let optional: Bool
    let read: (inout RunConfiguration, JSONValue, SettingSource) throws -> Void
    let write: (RunConfiguration) -> JSONValue?

    /// The setting's value in `configuration` as JSON (nil: an optional setting without one).
    public func value(in configuration: RunConfiguration) -> JSONValue? { write(configuration) }

    /// The default, as JSON (nil when it has none).
    public var defaultValue: JSONValue? { write(RunConfiguration()) }

    /// A setting whose value is always there.
    static func value<V: SettingValue>(
        _ key: String, _ path: WritableKeyPath<RunConfiguration, V>, _ role: Role = .identity
    ) -> Setting {
        Setting(
            key: key, role: role, kind: V.kind, optional: false,
            read: { configuration, json, source in
                configuration[keyPath: path] = try V.read(json, key: key, source: source)
            },
            write: { $0[keyPath: path].json })
    }

    /// A setting that may be absent (JSON `null` removes it).
    static func optional<V: SettingValue>(
        _ key: String, _ path: WritableKeyPath<RunConfiguration, V?>, _ role: Role = .identity
    ) -> Setting {
        Setting(
            key: key, role: role, kind: V.kind, optional: true,
            read: { configuration, json, source in
                configuration[keyPath: path] = json == .null ? nil : try V.read(json, key: key, source: source)
            },
            write: { $0[keyPath: path]?.json })
    }
}

/// Where settings come from, so that a message names the setting as the user wrote it.
public enum SettingSource: Sendable, Equatable {
    /// A JSON file (a `--config` file or a checkpoint), named by its path.
    case file(String)
    /// The flags of the command line.
    case commandLine

    /// How a message names `key`: `--key`, or `FILE: 'key'`.
    public func name(_ key: String) -> String {
        switch self {
        case .file(let path): return "\(path): '\(key)'"
        case .commandLine: return "--\(key)"
        }
    }
}

/// A type a setting's value can have: it reads itself from JSON, strictly, and writes itself.
public protocol SettingValue: Equatable {
    /// The value `json` holds, or nil when it holds another kind of value.
    init?(json: JSONValue)
    var json: JSONValue { get }
    static var kind: Setting.Kind { get }
    /// What a value must be, for messages ("a whole number").
    static func expected(from source: SettingSource) -> String
}

extension SettingValue {
    static func read(_ json: JSONValue, key: String, source: SettingSource) throws -> Self {
        guard let value = Self(json: json) else {
            var shown = json.description
            if source == .commandLine, case .string(let text) = json { shown = "'\(text)'" }
            throw DescentError.configuration("\(source.name(key)) must be \(expected(from: source)) (got \(shown))")
        }
        return value
    }
}

extension Int: SettingValue {
    /// A whole number (``JSONValue/wholeNumber``): `--batch-size` near `Int.max` is still
    /// one full batch, and survives a checkpoint.
    public init?(json: JSONValue) {
        guard let n = json.wholeNumber else { return nil }
        self = n
    }
    public var json: JSONValue { .number(Double(self)) }
    public static var kind: Setting.Kind { .wholeNumber }
    public static func expected(from source: SettingSource) -> String { "a whole number" }
}

extension UInt64: SettingValue {
    /// A whole number from 0 below 2^53, where every one is exact (a seed must not round).
    public init?(json: JSONValue) {
        guard case .number(let n) = json, n == n.rounded(), n >= 0, n < 0x1p53 else { return nil }
        self = UInt64(n)
    }
    public var json: JSONValue { .number(Double(self)) }
    public static var kind: Setting.Kind { .wholeNumber }
    public static func expected(from source: SettingSource) -> String { "a whole number >= 0 and below 2^53" }
}

extension Double: SettingValue {
    public init?(json: JSONValue) {
        guard case .number(let n) = json else { return nil }
        self = n
    }
    public var json: JSONValue { .number(self) }
    public static var kind: Setting.Kind { .number }
    public static func expected(from source: SettingSource) -> String { "a number" }
}

extension Bool: SettingValue {
    public init?(json: JSONValue) {
        guard case .bool(let b) = json else { return nil }
        self = b
    }
    public var json: JSONValue { .bool(self) }
    public static var kind: Setting.Kind { .bool }
    public static func expected(from source: SettingSource) -> String { "true or false" }
}

extension String: SettingValue {
    public init?(json: JSONValue) {
        guard case .string(let s) = json else { return nil }
        self = s
    }
    public var json: JSONValue { .string(self) }
    public static var kind: Setting.Kind { .text }
    public static func expected(from source: SettingSource) -> String { "a string" }
}

/// Named choices (`--loss log-loss`) are settings by their raw names.
extension SettingValue where Self: RawRepresentable & CaseIterable, RawValue == String {
    public init?(json: JSONValue) {
        guard case .string(let s) = json, let value = Self(rawValue: s) else { return nil }
        self = value
    }
    public var json: JSONValue { .string(rawValue) }
    public static var kind: Setting.Kind { .choice(allCases.map(\.rawValue)) }
    public static func expected(from source: SettingSource) -> String {
        "one of \(allCases.map(\.rawValue).joined(separator: ", "))"
    }
}

extension Precision: SettingValue {}
extension Loss: SettingValue {}
extension ClassWeight: SettingValue {}
extension TaskKind: SettingValue {}
extension GradientReduction: SettingValue {}
extension OptimizerKind: SettingValue {}
extension Solver: SettingValue {}
extension ScheduleKind: SettingValue {}
extension NUMAPolicy: SettingValue {}

/// `blocks`, `full` or `none`; also `true` (`full`: what `true` meant before `--shuffle blocks`,
/// so older configuration files and checkpoints keep their bits) and `false` (`none`).
extension ShuffleMode: SettingValue {
    public init?(json: JSONValue) {
        switch json {
        case .bool(let on): self = on ? .full : .none
        case .string(let s):
            guard let value = ShuffleMode(rawValue: s) else { return nil }
            self = value
        default: return nil
        }
    }
    public static func expected(from source: SettingSource) -> String {
        "one of \(allCases.map(\.rawValue).joined(separator: ", "))"
            + (source == .commandLine ? "" : ", or true (full) or false (none)")
    }
}

/// A number, or the text `K/n` (K a number): K per training row.
extension L2Penalty: SettingValue {
    public init?(json: JSONValue) {
        switch json {
        case .number(let n): self = .value(n)
        case .string(let text) where text.hasSuffix("/n"):
            guard let k = Double(text.dropLast(2)) else { return nil }
            self = .perRow(k)
        default: return nil
        }
    }
    public var json: JSONValue {
        switch self {
        case .value(let n): return .number(n)
        case .perRow(let k): return .string((k == k.rounded() && abs(k) < 1e15 ? String(Int(k)) : "\(k)") + "/n")
        }
    }
    public static var kind: Setting.Kind { .number }
    public static func expected(from source: SettingSource) -> String {
        "a number, or K/n for K per training row (1/n is scikit-learn's C = 1)"
    }
}

/// A number, or the text `auto`.
extension LearningRate: SettingValue {
    public init?(json: JSONValue) {
        switch json {
        case .number(let n): self = .value(n)
        case .string("auto"): self = .auto
        default: return nil
        }
    }
    public var json: JSONValue {
        switch self {
        case .value(let n): return .number(n)
        case .auto: return .string("auto")
        }
    }
    public static var kind: Setting.Kind { .number }
    public static func expected(from source: SettingSource) -> String { "a number or auto" }
}

/// A box `[low, high]` with finite `low < high`; on the command line, the text `LOW,HIGH`.
extension ClosedRange<Double>: SettingValue {
    public init?(json: JSONValue) {
        let bounds: [Double?]
        switch json {
        case .array(let items):
            bounds = items.map { if case .number(let n) = $0 { return n } else { return nil } }
        case .string(let text):
            bounds = text.split(separator: ",", omittingEmptySubsequences: false).map {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
        default:
            return nil
        }
        guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low.isFinite, high.isFinite, low < high
        else { return nil }
        self = low...high
    }
    public var json: JSONValue { .array([.number(lowerBound), .number(upperBound)]) }
    public static var kind: Setting.Kind { .range }
    public static func expected(from source: SettingSource) -> String {
        source == .commandLine
            ? "LOW,HIGH with LOW < HIGH, for example --center-box=-10,10" : "[low, high] with low < high"
    }
}
