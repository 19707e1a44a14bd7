import Foundation

/// A decoded JSON value that keeps booleans, numbers and strings apart, so configuration
/// files can be checked strictly (`"epochs": true` is an error, not 1).
public enum JSONValue: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let n = try? container.decode(Double.self) { self = .number(n) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let a = try? container.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Parses `data`, with errors that give the line and column.
    public static func parse(_ data: Data, source: String) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            // JSONDecoder does not say where; JSONSerialization gives the character offset.
            var located: Error = error
            do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch { located = error }
            throw DescentError.configuration("\(source): malformed JSON \(JSONLocation.describe(error: located, in: data))")
        }
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

/// Finds where a JSON parse error happened, as "at line L, column C".
enum JSONLocation {
    static func describe(error: Error, in data: Data) -> String {
        var texts = ["\(error)", (error as NSError).userInfo.values.map { "\($0)" }.joined(separator: " ")]
        if case DecodingError.dataCorrupted(let context) = error {
            texts.append(context.debugDescription)
            if let underlying = context.underlyingError { texts.append("\(underlying)") }
        }
        let text = texts.joined(separator: " ")
        // Foundation reports either "line L, column C" or a character offset.
        if let range = text.range(of: #"line \d+, column \d+"#, options: .regularExpression) {
            return "at \(text[range])"
        }
        var offset: Int?
        for pattern in [#"character \d+"#, #"offset \d+"#, #"index \d+"#] {
            if let range = text.range(of: pattern, options: .regularExpression),
               let n = Int(text[range].split(separator: " ").last ?? "") { offset = n; break }
        }
        let bytes = [UInt8](data)
        let position = min(offset ?? bytes.count, bytes.count)
        var line = 1, column = 1
        for byte in bytes.prefix(position) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return "at line \(line), column \(column)"
    }
}
