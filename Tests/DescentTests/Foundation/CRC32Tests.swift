import Testing

@testable import Descent

/// The zip CRC-32 that `.npz` entries carry (Python's zipfile and numpy.load check it).
struct CRC32Tests {
    /// The standard check value, and every length of a short input against a bit-at-a-time CRC.
    @Test func matchesTheStandardCheckValueAndABitwiseCRC() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        func bitwise(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            }
            return ~c
        }
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }
        let same = (0...data.count).allSatisfy { CRC32.checksum(data.prefix($0)) == bitwise(Array(data.prefix($0))) }
        #expect(same)
    }

    /// The CRC of two pieces combined is the CRC of the whole, at every split point.
    @Test func combiningPiecesGivesTheCRCOfTheWhole() {
        let data = (0..<2_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
        let whole = CRC32.checksum(data)
        let same = [0, 1, 7, 8, 9, 255, 1_000, 1_999, 2_000].allSatisfy { cut in
            CRC32.combine(
                CRC32.checksum(data.prefix(cut)), CRC32.checksum(data.dropFirst(cut)), lengthB: data.count - cut)
                == whole
        }
        #expect(same)
    }
}
