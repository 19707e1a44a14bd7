import Foundation

/// A decoded JSON value that keeps booleans, numbers and strings apart, so configuration
/// files can be checked strictly (`"epochs": true` is an error, not 1).
public enum JSONValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data` strictly (`JSONParser`), with errors that give the line and column,
    /// name a repeated key, and place a number out of range where it is.
    public static func parse(_ data: Data, source: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(data)
        } catch {
            throw DescentError.configuration("\(source): \(error)")
        }
    }

    /// The whole number this value holds, or nil. JSON numbers are doubles: exact below
    /// 2^53 in magnitude, the nearest double above, and beyond `Int`'s range the nearest `Int`.
    public var wholeNumber: Int? {
        guard case .number(let n) = self, n.isFinite, n == n.rounded() else { return nil }
        return n >= 0x1p63 ? .max : n <= -0x1p63 ? .min : Int(n)
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : "\(n)"
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
