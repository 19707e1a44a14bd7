/// JSON text from a ``JSONValue``: every file Descent writes as JSON (configurations in
/// checkpoints and models, `model.json`, `metrics.json`, `bench.json`) goes through here.
///
/// Keys are sorted, so the same value always gives the same bytes (the configuration's
/// identity hash is taken over them). The layout is the one Foundation's `JSONSerialization`
/// writes with `.sortedKeys` (and `.prettyPrinted`: two-space indents, `"key" : value`),
/// which Descent used before, so files keep their look: strings escape `"`, `\`, `/` and the
/// control characters; a whole number below 2^53 in magnitude prints as an integer, any other
/// number as the shortest text that reads back to the same double.
extension JSONValue {
    /// The value as JSON text: indented over several lines, or on one line without spaces.
    public func text(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    func write(into out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += JSONValue.numberText(n)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            writeContainer(items, open: "[", close: "]", into: &out, pretty: pretty, indent: indent) { item, out in
                item.write(into: &out, pretty: pretty, indent: indent + 1)
            }
        case .object(let object):
            writeContainer(object.keys.sorted(), open: "{", close: "}", into: &out, pretty: pretty, indent: indent) {
                key, out in
                JSONValue.writeString(key, into: &out)
                out += pretty ? " : " : ":"
                object[key]!.write(into: &out, pretty: pretty, indent: indent + 1)
            }
        }
    }

    private func writeContainer<Element>(
        _ elements: [Element], open: String, close: String, into out: inout String,
        pretty: Bool, indent: Int, _ each: (Element, inout String) -> Void
    ) {
        out += open
        guard pretty else {
            for (k, element) in elements.enumerated() {
                if k > 0 { out += "," }
                each(element, &out)
            }
            out += close
            return
        }
        let inner = String(repeating: "  ", count: indent + 1)
        out += "\n"
        for (k, element) in elements.enumerated() {
            if k > 0 { out += ",\n" }
            out += inner
            each(element, &out)
        }
        out += "\n" + String(repeating: "  ", count: indent) + close
    }

    /// A number as JSON text. Non-finite numbers have no JSON form: callers write only
    /// finite ones (NaN and infinities are written as `null` rather than as invalid JSON).
    static func numberText(_ n: Double) -> String {
        guard n.isFinite else { return "null" }
        if n == 0 { return n.sign == .minus ? "-0" : "0" }
        if n == n.rounded(), abs(n) < 9_007_199_254_740_992 { return String(Int64(n)) }
        var text = n.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += "\\/"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }

    /// A whole number (exact below 2^53 in magnitude).
    public init(_ value: Int) { self = .number(Double(value)) }
    public init(_ value: Double) { self = .number(value) }
    public init(_ value: String) { self = .string(value) }
    public init(_ value: Bool) { self = .bool(value) }
    public init(_ values: [Double]) { self = .array(values.map(JSONValue.number)) }
    public init(_ values: [String]) { self = .array(values.map(JSONValue.string)) }
}
