/// 64-bit FNV-1a, for short fingerprints (not for security).
enum FNV1a {
    static func hash(_ text: String) -> UInt64 { hash(bytes: Array(text.utf8)) }

    static func hash(bytes: [UInt8], seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// `value` as 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
