import Foundation
import Testing

@testable import Descent

/// The JSON writer: its text reads back to the same value through the strict parser, and
/// has the layout of Foundation's `JSONSerialization` (which wrote Descent's files before),
/// used here as an independent reference.
struct JSONValueWritingTests {
    /// Doubles that are hard to print: halfway cases, subnormals, powers of ten at the
    /// switch to exponents, 2^53 and its neighbours, negative zero.
    static let hardNumbers: [Double] = [
        0, -0.0, 1, -1, 0.1, 0.30000000000000004, 1e-7, 2.5e-7, 1e15, 1e16, 1e21, 1e22, 123456789012.5,
        Double.leastNonzeroMagnitude,
        2.2250738585072014e-308, 1.7976931348623157e308, 9_007_199_254_740_992, 9_007_199_254_740_992.0.nextUp,
        -9_007_199_254_740_991, 4.35,
        0.1 + 0.7, 1.0 / 3, 2.0 / 3, 100, 1e100, -1.5e-300,
    ]

    static func random(_ generator: inout SystemRandomNumberGenerator, depth: Int = 0) -> JSONValue {
        switch depth > 2 ? Int.random(in: 0...3, using: &generator) : Int.random(in: 0...5, using: &generator) {
        case 0: return .bool(Bool.random(using: &generator))
        case 1:
            let bits = UInt64.random(in: 0...UInt64.max, using: &generator)
            let n = Double(bitPattern: bits)
            return .number(n.isFinite ? n : Double(Int32.random(in: .min ... .max, using: &generator)))
        case 2:
            let scalars = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                Unicode.Scalar(
                    [0x22, 0x5C, 0x2F, 0x0A, 0x09, 0x01, 0x1F, 0x41, 0xE9, 0x4E2D, 0x1F600].randomElement(
                        using: &generator)!)!
            }
            return .string(String(String.UnicodeScalarView(scalars)))
        case 3: return .null
        case 4:
            return .array(
                (0..<Int.random(in: 0...4, using: &generator)).map { _ in random(&generator, depth: depth + 1) })
        default:
            var object: [String: JSONValue] = [:]
            for k in 0..<Int.random(in: 0...4, using: &generator) {
                object["k\(k)-\(Int.random(in: 0...9, using: &generator))"] = random(&generator, depth: depth + 1)
            }
            return .object(object)
        }
    }

    /// The value as Foundation holds it, for JSONSerialization.
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let n):
            // Whole numbers as Int (-0 stays a Double): Foundation prints a Double 1e15 as 1e+15.
            return n == n.rounded() && abs(n) < 9_007_199_254_740_992 && !(n == 0 && n.sign == .minus)
                ? Int(n) as Any : n as Any
        case .string(let s): return s
        case .array(let items): return items.map(foundation)
        case .object(let object): return object.mapValues(foundation)
        }
    }

    @Test func textReadsBackToTheSameValue() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = Self.random(&generator)
            for pretty in [true, false] {
                #expect(try JSONParser.parse(Array(value.text(pretty: pretty).utf8)) == value, "\(value)")
            }
        }
        for n in Self.hardNumbers {
            let back = try JSONParser.parse(Array(JSONValue.number(n).text().utf8))
            guard case .number(let m) = back else {
                Issue.record("\(n) came back as \(back)")
                continue
            }
            #expect(m.bitPattern == n.bitPattern, "\(n) came back as \(m)")
        }
    }

    @Test func layoutIsFoundations() throws {
        var generator = SystemRandomNumberGenerator()
        var values = (0..<300).map { _ in Self.random(&generator) }
        values.append(["numbers": .array(Self.hardNumbers.map(JSONValue.number))])
        values.append(["empty-array": [], "empty-object": [:], "nested": [[1, 2.5], ["a": true]]])
        for value in values {
            guard case .object = value else { continue }
            for (pretty, options) in [
                (true, JSONSerialization.WritingOptions([.prettyPrinted, .sortedKeys])), (false, [.sortedKeys]),
            ] {
                let reference = String(
                    decoding: try JSONSerialization.data(withJSONObject: Self.foundation(value), options: options),
                    as: UTF8.self)
                #expect(value.text(pretty: pretty) == reference)
            }
        }
        let sample: JSONValue = ["b": [1, 2], "a": ["x": "q\"/\n\u{01}"], "c": [], "d": -0.0]
        #expect(
            sample.text() == """
                {
                  "a" : {
                    "x" : "q\\"\\/\\n\\u0001"
                  },
                  "b" : [
                    1,
                    2
                  ],
                  "c" : [

                  ],
                  "d" : -0
                }
                """)
        #expect(sample.text(pretty: false) == #"{"a":{"x":"q\"\/\n\u0001"},"b":[1,2],"c":[],"d":-0}"#)
    }
}
