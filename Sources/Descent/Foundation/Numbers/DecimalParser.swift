#if os(Linux)
import Glibc
#else
import Darwin
#endif

/// Exact decimal-to-binary conversion: the `Double` nearest to a decimal number (ties to
/// even), the same bits `strtod` gives, without the C library in the common case.
///
/// Three paths, fastest first, in the design of fast_float (Lemire, "Number Parsing at a
/// Gigabyte per Second", 2021):
///
/// 1. Clinger's fast path: a significand of at most 2^53 and a power of ten 10^e with
///    |e| <= 22 are both exact doubles, so one correctly rounded multiplication or division
///    gives the answer.
/// 2. Eisel-Lemire: the significand (at most 19 digits, exact in 64 bits) times a 128-bit
///    truncation of 5^e, with the power of two kept apart. The product's high bits hold the
///    answer except in cases the algorithm detects.
/// 3. `strtod` for what the first two decline: more than 19 significant digits, and the
///    rare product that is too close to a halfway point to decide from 128 bits.
///
/// Every path returns the correctly rounded value, so a number parses to the same bits on
/// any thread, in any part of a file.
struct DecimalParser: @unchecked Sendable {
    /// The outcome of reading one number.
    package enum Outcome: Equatable {
        /// A finite number, and where its text ended.
        case number(Double, end: Int)
        /// `inf`, `nan`, or a number too large for a double.
        case nonFinite(end: Int)
        /// No number starts here.
        case invalid
    }

    @usableFromInline let powers: UnsafePointer<UInt64>
    @usableFromInline let exactPowersOfTen: UnsafePointer<Double>

    /// The shared parser (its tables are built once and never freed).
    package static let shared = DecimalParser()

    private init() {
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: DecimalParser.powersOfFive.count)
        table.initialize(from: DecimalParser.powersOfFive, count: DecimalParser.powersOfFive.count)
        powers = UnsafePointer(table)
        let tens = UnsafeMutablePointer<Double>.allocate(capacity: 23)
        var p = 1.0
        for e in 0...22 {
            tens[e] = p
            p *= 10
        }  // 10^0 ... 10^22 are exact, so is each product
        exactPowersOfTen = UnsafePointer(tens)
    }

    @inline(__always) @usableFromInline
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }

    /// The value of the 8 ASCII digits at `p`, or nil when they are not all digits; three
    /// multiplications instead of eight (SWAR, as in fast_float).
    @inline(__always) @usableFromInline
    static func eightDigits(_ p: UnsafePointer<UInt8>) -> UInt64? {
        let v = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
        guard
            (v & 0xF0F0_F0F0_F0F0_F0F0) | (((v &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
                == 0x3333_3333_3333_3333
        else {
            return nil
        }
        var x = v & 0x0F0F_0F0F_0F0F_0F0F
        x = (x &* 2561) >> 8
        x = ((x & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        return ((x & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
    }

    /// Parses the number that starts at `text[start]` and ends at the first byte that cannot
    /// continue it (at most `text[end - 1]` is read).
    ///
    /// Accepts an optional sign, digits with an optional decimal point (at least one digit),
    /// and an optional exponent (`e` or `E`, optional sign, digits), as C's `strtod` and
    /// Python's `float` do, without hexadecimal forms; `inf`, `infinity` and `nan` in any
    /// case are recognized and reported as non-finite.
    ///
    /// - Returns: the value and the index just past its text, or why there is none.
    @inline(__always)
    package func parse(_ text: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Outcome {
        var i = start
        var negative = false
        if i < end && (text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+")) {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        let digitsStart = i
        var significand: UInt64 = 0
        while i + 8 <= end, let eight = DecimalParser.eightDigits(text + i) {
            significand = significand &* 100_000_000 &+ eight
            i += 8
        }
        while i < end && DecimalParser.isDigit(text[i]) {
            significand = significand &* 10 &+ UInt64(text[i] &- 48)
            i += 1
        }
        var digitCount = i - digitsStart
        var exponent = 0
        if i < end && text[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i + 8 <= end, let eight = DecimalParser.eightDigits(text + i) {
                significand = significand &* 100_000_000 &+ eight
                i += 8
            }
            while i < end && DecimalParser.isDigit(text[i]) {
                significand = significand &* 10 &+ UInt64(text[i] &- 48)
                i += 1
            }
            exponent = fractionStart - i
            digitCount += i - fractionStart
        }
        if digitCount == 0 { return special(text, from: digitsStart, to: end) }
        if i < end && (text[i] | 0x20) == UInt8(ascii: "e") {
            var j = i + 1
            var exponentNegative = false
            if j < end && (text[j] == UInt8(ascii: "-") || text[j] == UInt8(ascii: "+")) {
                exponentNegative = text[j] == UInt8(ascii: "-")
                j += 1
            }
            guard j < end && DecimalParser.isDigit(text[j]) else { return .invalid }
            var e = 0
            while j < end && DecimalParser.isDigit(text[j]) {
                if e < 100_000 { e = e * 10 + Int(text[j] &- 48) }
                j += 1
            }
            exponent += exponentNegative ? -e : e
            i = j
        }
        if digitCount > 19 {
            // Leading zeros (and the point) do not count; more than 19 real digits go to strtod.
            var significant = 0
            var k = digitsStart
            while k < i && (text[k] == UInt8(ascii: "0") || text[k] == UInt8(ascii: ".")) { k += 1 }
            while k < i && (DecimalParser.isDigit(text[k]) || text[k] == UInt8(ascii: ".")) {
                if text[k] != UInt8(ascii: ".") { significant += 1 }
                k += 1
            }
            if significant > 19 { return DecimalParser.strtodFallback(text, from: start, to: i) }
        }
        var value: Double
        if significand == 0 {
            value = 0
        } else if exponent >= -22 && exponent <= 22 && significand <= 1 << 53 {
            let d = Double(significand)
            value = exponent < 0 ? d / exactPowersOfTen[-exponent] : d * exactPowersOfTen[exponent]
        } else if let v = eiselLemire(significand, exponent) {
            value = v
        } else {
            return DecimalParser.strtodFallback(text, from: start, to: i)
        }
        if negative { value = -value }
        return value.isFinite ? .number(value, end: i) : .nonFinite(end: i)
    }

    /// `inf`, `infinity` or `nan` (any case) at `start`, else invalid.
    @usableFromInline
    func special(_ text: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Outcome {
        func matches(_ word: String) -> Bool {
            let bytes = Array(word.utf8)
            guard end - start >= bytes.count else { return false }
            for (k, b) in bytes.enumerated() where text[start + k] | 0x20 != b { return false }
            return true
        }
        if matches("infinity") { return .nonFinite(end: start + 8) }
        if matches("inf") || matches("nan") { return .nonFinite(end: start + 3) }
        return .invalid
    }

    /// The Eisel-Lemire step: `w * 10^q` correctly rounded, or nil when 128 bits of 5^q
    /// cannot decide the rounding. `w` is nonzero.
    @inline(__always) @usableFromInline
    func eiselLemire(_ w: UInt64, _ q: Int) -> Double? {
        if q < -342 { return 0 }
        if q > 308 { return .infinity }
        let leadingZeros = w.leadingZeroBitCount
        let normalized = w << UInt64(leadingZeros)
        let index = (q + 342) * 2
        var (high, low) = normalized.multipliedFullWidth(by: powers[index])
        if high & 0x1FF == 0x1FF {
            // The low 9 bits below the 55 kept could carry: bring in the next 64 bits of 5^q.
            let second = normalized.multipliedFullWidth(by: powers[index + 1]).high
            let (sum, carry) = low.addingReportingOverflow(second)
            low = sum
            if carry { high &+= 1 }
            // Outside the range where 5^q is exact in 128 bits, an all-ones remainder may hide
            // a carry from further bits: let strtod decide.
            if low == .max && (q < -27 || q > 55) { return nil }
        }
        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 64 - 52 - 3)
        var mantissa = high >> shift
        var power2 = ((152_170 + 65_536) * q) >> 16 + 63 + upperBit - leadingZeros + 1023
        if power2 <= 0 {
            // Subnormal (or zero) result.
            if -power2 + 1 >= 64 { return 0 }
            mantissa >>= UInt64(-power2 + 1)
            mantissa += mantissa & 1
            mantissa >>= 1
            power2 = mantissa < (1 << 52) ? 0 : 1
            return Double(bitPattern: (UInt64(power2) << 52) | mantissa)
        }
        // Exactly halfway between two doubles (only possible when 5^q fits in 64 bits):
        // round to even rather than up.
        if low <= 1 && q >= -4 && q <= 23 && mantissa & 3 == 1 && (mantissa << shift) == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= (2 << 52) {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        if power2 >= 0x7FF { return .infinity }
        return Double(bitPattern: (UInt64(power2) << 52) | mantissa)
    }

    /// C's `strtod` on `text[start..<end]` (which holds a complete number).
    @usableFromInline
    static func strtodFallback(_ text: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Outcome {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: text[start + k]) }
            buffer[length] = 0
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &stop)
            guard let stop, stop - buffer.baseAddress! == length else { return .invalid }
            return value.isFinite ? .number(value, end: end) : .nonFinite(end: end)
        }
    }

    /// Parses a whole string (for tests and small inputs): the value when all of `text` is
    /// one finite number.
    package func parse(_ text: String) -> Double? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { b -> Double? in
            guard let base = b.baseAddress else { return nil }
            if case .number(let v, let end) = parse(UnsafePointer(base), from: 0, to: b.count), end == b.count {
                return v
            }
            return nil
        }
    }
}
