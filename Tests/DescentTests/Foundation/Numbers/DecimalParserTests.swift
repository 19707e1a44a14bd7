import Foundation
import Testing

@testable import Descent

/// The parser must give exactly strtod's bits: every path (Clinger, Eisel-Lemire, fallback).
struct DecimalParserTests {
    func reference(_ text: String) -> Double { text.withCString { strtod($0, nil) } }

    func check(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let parsed = DecimalParser.shared.parse(text)
        #expect(
            parsed?.bitPattern == reference(text).bitPattern,
            "\(text): \(String(describing: parsed)) vs \(reference(text))",
            sourceLocation: sourceLocation)
    }

    @Test func hardCases() {
        for text in [
            "0", "-0", "1", "0.1", "0.2", "0.3", "1e23", "8.98846567431158e307", "1.7976931348623157e308",
            "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062328e-324",
            "9007199254740993", "9007199254740992", "9007199254740994", "9007199254740995",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.0000000000000001110223024625156540423631668090820312500001", "7.2057594037927933e16",
            "123456789012345678",
            "0.000001", "1e-22", "1e22", "1e-23", "3.14159265358979323846", "-1.5e-3", "+2.5", ".5", "5.", "1E5",
            "1e+5",
            "0.0000000000000000000000000000001234", "12345678901234567890123", "1e-400",
            "2.225073858507201136057409796709131975934819546351645648e-308",
            "6.103515625e-05", "4.35679355479813e-311", "1448997445238699", "9.999999999999999e22",
            "1.8014398509481984e16",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791",
        ] {
            check(text)
        }
        #expect(DecimalParser.shared.parse("1e400") == nil, "out of range is not a finite number")
        for bad in ["", ".", "-", "e5", "1e", "1.2.3", "1,5", "0x10", "abc", "--1"] {
            #expect(DecimalParser.shared.parse(bad) == nil, "\(bad)")
        }
    }

    /// A planted bug (a wrong power of five, a dropped round-to-even) fails here.
    @Test func randomNumbersInEveryFormatMatchStrtod() {
        var rng = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for i in 0..<200_000 {
            let bits = UInt64.random(in: 0...UInt64.max, using: &rng)
            var value = Double(bitPattern: bits & 0x7FEF_FFFF_FFFF_FFFF)  // finite
            if i % 3 == 0 { value = Double.random(in: -1000...1000, using: &rng) }
            let formats = [
                String(format: "%.17g", value), String(format: "%.18e", value), String(format: "%.15g", value),
                String(format: "%.6g", value), "\(value)", String(format: "%.3f", i % 3 == 0 ? value : 1.5),
            ]
            for text in formats where DecimalParser.shared.parse(text)?.bitPattern != reference(text).bitPattern {
                mismatches.append(text)
            }
            // Random digit strings with random exponents, including subnormal and near-halfway values.
            let digits = (0..<Int.random(in: 1...19, using: &rng)).map { _ in String(Int.random(in: 0...9, using: &rng))
            }.joined()
            let text = "\(digits)e\(Int.random(in: -345...310, using: &rng))"
            if DecimalParser.shared.parse(text)?.bitPattern != reference(text).bitPattern, reference(text).isFinite {
                mismatches.append(text)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    /// D23: numbers of any length parse to strtod's double.
    @Test func longNumbersParseExactly() {
        let texts = [
            "1." + String(repeating: "0", count: 80) + "1",
            "0." + String(repeating: "0", count: 70) + "123456789012345678901234567890",
            String(repeating: "9", count: 400) + "e-300",
            "-" + String(repeating: "1", count: 100) + "." + String(repeating: "7", count: 100) + "e-50",
        ]
        for text in texts {
            #expect(DecimalParser.shared.parse(text) == strtod(text, nil), "\(text.prefix(30))")
        }
    }
}
