/// A strict JSON reader (RFC 8259) for configuration and model files, with errors that say
/// where: every error has the line and column of the byte it is about.
///
/// Stricter than Foundation's `JSONSerialization` where that hides mistakes: a key that
/// appears twice in one object is an error naming the key (Foundation keeps one silently),
/// and a number too large for a double (`1e400`) is an error at the number's own place
/// (Foundation reports it as malformed JSON elsewhere). Booleans stay booleans, so `true`
/// is never read as 1. Nesting deeper than ``maximumDepth`` is refused rather than
/// overflowing the stack.
package struct JSONParser {
    /// What went wrong, and where (1-based line and column, columns counted in bytes).
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package enum Kind: Equatable, Sendable {
            /// The text is not JSON.
            case malformed
            /// The text is JSON, but a key repeats or a number is out of range.
            case invalid
        }
        package var kind: Kind
        package var line: Int
        package var column: Int
        package var message: String
        package var description: String {
            kind == .malformed
                ? "malformed JSON at line \(line), column \(column): \(message)"
                : "at line \(line), column \(column): \(message)"
        }
    }

    /// Objects and arrays nested deeper than this are refused.
    package static let maximumDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    /// Parses one JSON value that fills `data` (whitespace and a UTF-8 byte order mark around
    /// it are allowed).
    package static func parse<Bytes: Collection>(_ data: Bytes) throws(Failure) -> JSONValue
    where Bytes.Element == UInt8 {
        let array = Array(data)
        let result: Result<JSONValue, Failure> = array.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { parser.i = 3 }
            do throws(Failure) {
                parser.skipSpace()
                guard parser.i < buffer.count else { throw parser.fail("the text is empty; expected a JSON value") }
                let value = try parser.value(depth: 0)
                parser.skipSpace()
                guard parser.i == buffer.count else {
                    throw parser.fail("unexpected \(parser.shown) after the end of the JSON value")
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: Positions and messages

    func location(_ offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for k in 0..<min(offset, bytes.count) {
            if bytes[k] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    func fail(_ message: String, at offset: Int? = nil, kind: Failure.Kind = .malformed) -> Failure {
        let (line, column) = location(offset ?? i)
        return Failure(kind: kind, line: line, column: column, message: message)
    }

    /// The byte at `i` as a message shows it.
    var shown: String {
        guard i < bytes.count else { return "end of text" }
        let b = bytes[i]
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    // MARK: Grammar

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard i < bytes.count else { throw fail("the text ends where a value was expected") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected \(shown) where a value was expected")
        }
    }

    mutating func literal(_ word: StaticString) throws(Failure) {
        let start = i
        let expected = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount {
            guard i < bytes.count, bytes[i] == expected[k] else {
                throw fail("unknown word; expected \(word)", at: start)
            }
            i += 1
        }
    }

    mutating func object(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else {
            throw fail("objects and arrays nested more than \(JSONParser.maximumDepth) deep")
        }
        i += 1
        var members: [String: JSONValue] = [:]
        var keyOffsets: [String: Int] = [:]
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw fail("unexpected \(shown); expected a key in double quotes")
            }
            let keyStart = i
            let key = try string()
            if let first = keyOffsets[key] {
                throw fail(
                    "the key '\(key)' appears twice in one object (first on line \(location(first).line)); keep only one",
                    at: keyStart, kind: .invalid)
            }
            keyOffsets[key] = keyStart
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                throw fail("unexpected \(shown); expected ':' after the key '\(key)'")
            }
            i += 1
            skipSpace()
            members[key] = try value(depth: depth)
            skipSpace()
            guard i < bytes.count else { throw fail("the text ends inside an object; expected ',' or '}'") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if bytes[i] == UInt8(ascii: "}") {
                i += 1
                return .object(members)
            }
            throw fail("unexpected \(shown); expected ',' or '}'")
        }
    }

    mutating func array(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else {
            throw fail("objects and arrays nested more than \(JSONParser.maximumDepth) deep")
        }
        i += 1
        var elements: [JSONValue] = []
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "]") {
            i += 1
            return .array(elements)
        }
        while true {
            skipSpace()
            elements.append(try value(depth: depth))
            skipSpace()
            guard i < bytes.count else { throw fail("the text ends inside an array; expected ',' or ']'") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if bytes[i] == UInt8(ascii: "]") {
                i += 1
                return .array(elements)
            }
            throw fail("unexpected \(shown); expected ',' or ']'")
        }
    }

    mutating func string() throws(Failure) -> String {
        let start = i
        i += 1
        var text: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("a string is never closed; end it with a double quote", at: start) }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                break
            }
            if b < 0x20 {
                throw fail(
                    "a control character (byte 0x\(String(b, radix: 16, uppercase: true))) inside a string; write it as an escape such as \\n"
                )
            }
            if b != UInt8(ascii: "\\") {
                text.append(b)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { throw fail("a string is never closed; end it with a double quote", at: start) }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(e)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A high surrogate must be followed by an escaped low one.
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail(
                            "a \\u escape of a lone surrogate (\\u\(String(scalar, radix: 16))); pair it with a low surrogate"
                        )
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else {
                        throw fail(
                            "a \\u escape of a lone surrogate (\\u\(String(scalar, radix: 16))); pair it with a low surrogate"
                        )
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw fail(
                        "a \\u escape of a lone surrogate (\\u\(String(scalar, radix: 16))); pair it with a high surrogate"
                    )
                }
                text.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))' in a string", at: i - 2)
            }
        }
        guard let decoded = String(validating: text, as: UTF8.self) else {
            throw fail("a string that is not valid UTF-8", at: start)
        }
        return decoded
    }

    mutating func hex4() throws(Failure) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard i < bytes.count else { throw fail("a \\u escape needs four hexadecimal digits") }
            let b = bytes[i]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - 55)
            default: throw fail("a \\u escape needs four hexadecimal digits")
            }
            v = v << 4 | digit
            i += 1
        }
        return v
    }

    mutating func number() throws(Failure) -> Double {
        let start = i
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.i
            while parser.i < parser.bytes.count, parser.bytes[parser.i] &- 48 < 10 { parser.i += 1 }
            return parser.i - from
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, bytes[i] &- 48 < 10 else { throw fail("a number needs a digit after '-'") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, bytes[i] &- 48 < 10 {
                throw fail("a number may not start with 0 followed by digits", at: start)
            }
        } else {
            _ = digits(&self)
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw fail("a number needs digits after its decimal point") }
        }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw fail("a number needs digits in its exponent") }
        }
        var text: String { String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self) }
        switch DecimalParser.shared.parse(bytes.baseAddress!, from: start, to: i) {
        case .number(let v, let end) where end == i:
            return v
        case .nonFinite:
            let shownText = text.count > 40 ? String(text.prefix(37)) + "..." : text
            throw fail(
                "the number \(shownText) is out of range: numbers must lie within ±1.8e308 (float64)", at: start,
                kind: .invalid)
        default:
            throw fail("'\(text)' is not a number", at: start)
        }
    }
}
