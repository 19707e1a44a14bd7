/// The CRC-32 of zip archives (ISO-HDLC: reflected polynomial 0xEDB88320, initial and final
/// value 0xFFFFFFFF), computed eight bytes at a time ("slicing by 8"), and the combination
/// of the CRCs of two consecutive pieces, so that blocks written in parallel get their
/// archive entry's CRC without a second pass over the data.
package enum CRC32 {
    @usableFromInline static let polynomial: UInt32 = 0xEDB8_8320

    /// Eight tables of 256 entries: table k gives the CRC of a byte followed by k zero bytes.
    @usableFromInline static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ polynomial : c >> 1 }
            t[n] = c
        }
        for n in 0..<256 {
            for k in 1..<8 { t[k * 256 + n] = (t[(k - 1) * 256 + n] >> 8) ^ t[Int(t[(k - 1) * 256 + n] & 0xFF)] }
        }
        return t
    }()

    /// The CRC of `bytes` continuing from `crc` (the CRC of what came before; 0 to start).
    package static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        var i = 0
        let n = bytes.count
        tables.withUnsafeBufferPointer { t in
            while i + 8 <= n {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ UInt64(c)
                c =
                    t[7 * 256 + Int(word & 0xFF)] ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((word >> 16) & 0xFF)] ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((word >> 32) & 0xFF)] ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
                    ^ t[1 * 256 + Int((word >> 48) & 0xFF)] ^ t[Int(word >> 56)]
                i += 8
            }
            while i < n {
                c = (c >> 8) ^ t[Int((c ^ UInt32(bytes[i])) & 0xFF)]
                i += 1
            }
        }
        return ~c
    }

    /// The CRC of `bytes`.
    package static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        Array(bytes).withUnsafeBytes { update(0, $0) }
    }

    /// a(x) b(x) modulo the polynomial, in the reflected bit order CRCs use.
    static func multiplyModP(_ a: UInt32, _ b: UInt32) -> UInt32 {
        var a = a
        var b = b
        var product: UInt32 = 0
        var m: UInt32 = 1 << 31
        while m != 0 {
            if a & m != 0 {
                product ^= b
                a ^= m
                if a == 0 { break }
            }
            m >>= 1
            b = b & 1 != 0 ? (b >> 1) ^ polynomial : b >> 1
        }
        return product
    }

    /// x^(8 n) modulo the polynomial: shifting a CRC past n zero bytes.
    static func shift(bytes n: Int) -> UInt32 {
        var result: UInt32 = 1 << 31  // x^0
        var power: UInt32 = 1 << 23  // x^8
        var n = n
        while n > 0 {
            if n & 1 != 0 { result = multiplyModP(power, result) }
            power = multiplyModP(power, power)
            n >>= 1
        }
        return result
    }

    /// The CRC of A followed by B, from the CRC of A, the CRC of B and B's length.
    package static func combine(_ crcA: UInt32, _ crcB: UInt32, lengthB: Int) -> UInt32 {
        multiplyModP(shift(bytes: lengthB), crcA) ^ crcB
    }
}
