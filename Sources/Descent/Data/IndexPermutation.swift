/// A pseudo-random permutation of 0..<count that needs no memory: position i maps to
/// `self[i]` through a keyed Feistel network on the smallest even-bit power-of-two domain
/// that holds `count`, with cycle walking to stay below `count`.
///
/// Descent uses it for the train/test split and the per-epoch shuffle: both depend only
/// on (seed, stream, epoch), never on how many threads evaluate them.
public struct IndexPermutation: Sendable {
    public let count: Int
    @usableFromInline let halfBits: Int
    @usableFromInline let keys: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// - Parameters:
    ///   - count: the size of the permuted range.
    ///   - rng: the generator whose seed keys the network.
    ///   - stream: which stream of `rng` to draw the round keys from.
    ///   - round: an extra counter (the epoch, for shuffles).
    public init(count: Int, rng: CounterRNG, stream: CounterRNG.Stream, round: UInt64 = 0) {
        precondition(count >= 0, "permutation size must not be negative")
        self.count = count
        var bits = 2
        while bits < 62 && (1 << bits) < count { bits += 2 }
        halfBits = bits / 2
        let base = round &* 8
        keys = (rng.bits(stream, base), rng.bits(stream, base + 1), rng.bits(stream, base + 2),
                rng.bits(stream, base + 3), rng.bits(stream, base + 4), rng.bits(stream, base + 5))
    }

    @inlinable @inline(__always)
    func feistel(_ value: UInt64) -> UInt64 {
        let mask: UInt64 = (1 << UInt64(halfBits)) - 1
        var left = value >> UInt64(halfBits)
        var right = value & mask
        @inline(__always) func round(_ key: UInt64) {
            let next = left ^ (CounterRNG.mix(right ^ key) & mask)
            left = right
            right = next
        }
        round(keys.0); round(keys.1); round(keys.2); round(keys.3); round(keys.4); round(keys.5)
        return (left << UInt64(halfBits)) | right
    }

    /// The element at position `position` of the permutation.
    @inlinable
    public subscript(position: Int) -> Int {
        precondition(position >= 0 && position < count, "position out of range")
        var value = feistel(UInt64(position))
        while value >= UInt64(count) { value = feistel(value) }
        return Int(value)
    }
}
