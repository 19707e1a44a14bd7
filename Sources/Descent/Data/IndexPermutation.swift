/// A pseudo-random permutation of 0..<count that needs no memory: position i maps to
/// `self[i]` through a keyed Feistel network on the smallest power-of-two domain
/// that holds `count`, with cycle walking to stay below `count`.
///
/// Descent uses it for the train/test split, which depends only on the seed, never on how
/// many threads evaluate it. (SGD's per-epoch shuffle is `EpochShuffle`: evaluated
/// position by position, this permutation reads rows at random, ~30 ns a row.)
package struct IndexPermutation: Sendable {
    package let count: Int
    @usableFromInline let lowBits: UInt64
    @usableFromInline let highBits: UInt64
    @usableFromInline let keys: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// - Parameters:
    ///   - count: the size of the permuted range.
    ///   - rng: the generator whose seed keys the network.
    ///   - stream: which stream of `rng` to draw the round keys from.
    ///   - round: an extra counter (the epoch, for shuffles).
    package init(count: Int, rng: CounterRNG, stream: CounterRNG.Stream, round: UInt64 = 0) {
        precondition(count >= 0, "permutation size must not be negative")
        self.count = count
        // The smallest power-of-two domain that holds count (at least 4), split into a low
        // and a high part; cycle walking then needs fewer than two steps on average.
        var bits: UInt64 = 2
        while bits < 62 && (1 << bits) < count { bits += 1 }
        lowBits = bits / 2
        highBits = bits - bits / 2
        let base = round &* 8
        keys = (
            rng.bits(stream, base), rng.bits(stream, base + 1), rng.bits(stream, base + 2),
            rng.bits(stream, base + 3), rng.bits(stream, base + 4), rng.bits(stream, base + 5)
        )
    }

    /// One keyed round function: the top `bits` bits of (value + key) squared-and-mixed by
    /// one multiply. The key is odd, so distinct values give distinct products.
    @inlinable @inline(__always)
    static func scramble(_ value: UInt64, _ key: UInt64, bits: UInt64) -> UInt64 {
        let z = (value &+ key) &* (key | 1)
        return ((z ^ (z &>> 32)) &* 0x9E37_79B9_7F4A_7C15) &>> (64 - bits)
    }

    /// Six alternating Feistel half-rounds: the high part absorbs a function of the low
    /// part, then the low part of the high. Each half-round is invertible, so the whole is
    /// a bijection of the domain whatever the two parts' sizes.
    @inlinable @inline(__always)
    func feistel(_ value: UInt64) -> UInt64 {
        let lowMask: UInt64 = (1 << lowBits) - 1
        var low = value & lowMask
        var high = value &>> lowBits
        high ^= IndexPermutation.scramble(low, keys.0, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.1, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.2, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.3, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.4, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.5, bits: lowBits)
        return (high &<< lowBits) | low
    }

    /// The Feistel rounds undone in reverse order: `inverseFeistel(feistel(v)) == v`.
    @inlinable @inline(__always)
    func inverseFeistel(_ value: UInt64) -> UInt64 {
        let lowMask: UInt64 = (1 << lowBits) - 1
        var low = value & lowMask
        var high = value &>> lowBits
        low ^= IndexPermutation.scramble(high, keys.5, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.4, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.3, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.2, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.1, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.0, bits: highBits)
        return (high &<< lowBits) | low
    }

    /// ``scramble(_:_:bits:)`` in every lane.
    @inlinable @inline(__always)
    static func scramble(_ value: SIMD8<UInt64>, _ key: UInt64, bits: UInt64) -> SIMD8<UInt64> {
        let z = (value &+ key) &* (key | 1)
        return ((z ^ (z &>> 32)) &* 0x9E37_79B9_7F4A_7C15) &>> (64 - bits)
    }

    /// ``feistel(_:)`` in every lane.
    @inlinable @inline(__always)
    func feistel(_ value: SIMD8<UInt64>) -> SIMD8<UInt64> {
        let lowMask: UInt64 = (1 << lowBits) - 1
        var low = value & lowMask
        var high = value &>> lowBits
        high ^= IndexPermutation.scramble(low, keys.0, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.1, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.2, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.3, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.4, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.5, bits: lowBits)
        return (high &<< lowBits) | low
    }

    /// ``inverseFeistel(_:)`` in every lane.
    @inlinable @inline(__always)
    func inverseFeistel(_ value: SIMD8<UInt64>) -> SIMD8<UInt64> {
        let lowMask: UInt64 = (1 << lowBits) - 1
        var low = value & lowMask
        var high = value &>> lowBits
        low ^= IndexPermutation.scramble(high, keys.5, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.4, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.3, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.2, bits: highBits)
        low ^= IndexPermutation.scramble(high, keys.1, bits: lowBits)
        high ^= IndexPermutation.scramble(low, keys.0, bits: highBits)
        return (high &<< lowBits) | low
    }

    /// The position at which `element` appears: `self[position(of: e)] == e`.
    ///
    /// Cycle walking backwards: the inverse network applied until the value falls below
    /// `count` retraces the forward walk. Loaders use it to send row r of a file straight
    /// to its place in the split.
    @inlinable
    package func position(of element: Int) -> Int {
        precondition(element >= 0 && element < count, "element out of range")
        return unsafePosition(of: element)
    }

    /// ``position(of:)`` for an element the caller guarantees is in 0..<count.
    @inlinable @inline(__always)
    package func unsafePosition(of element: Int) -> Int {
        var value = inverseFeistel(UInt64(truncatingIfNeeded: element))
        while value >= UInt64(count) { value = inverseFeistel(value) }
        return Int(truncatingIfNeeded: value)
    }

    /// The element at position `position` of the permutation.
    @inlinable
    package subscript(position: Int) -> Int {
        precondition(position >= 0 && position < count, "position out of range")
        return unchecked(position)
    }

    /// The element at `position`, which the caller guarantees is in 0..<count.
    @inlinable @inline(__always)
    package func unchecked(_ position: Int) -> Int {
        var value = feistel(UInt64(truncatingIfNeeded: position))
        while value >= UInt64(count) { value = feistel(value) }
        return Int(truncatingIfNeeded: value)
    }

    /// The positions of elements `element ..< element + 8`, eight lanes walked together
    /// backwards (the same values as ``unsafePosition(of:)``); an element at or past `count`
    /// gives the position of `count - 1`. `count` must not be 0.
    @inlinable @inline(__always)
    package func positions(from element: Int) -> SIMD8<UInt64> { walk(from: element) { inverseFeistel($0) } }

    /// The elements at positions `position ..< position + 8`, eight lanes walked together
    /// (the same values as ``unchecked(_:)``); a position at or past `count` gives the
    /// element at `count - 1`. `count` must not be 0.
    @inlinable @inline(__always)
    package func elements(from position: Int) -> SIMD8<UInt64> { walk(from: position) { feistel($0) } }

    /// Values `start ..< start + 8` (those past `count - 1` replaced by it) taken through
    /// `step` in eight lanes, each lane stepped again until it falls below `count` (cycle
    /// walking), the lanes that are done kept as they are.
    @inlinable @inline(__always)
    func walk(from start: Int, _ step: (SIMD8<UInt64>) -> SIMD8<UInt64>) -> SIMD8<UInt64> {
        // Lane masks are made with integer arithmetic ((last - v) >> 63 is 1 where v > last,
        // all values being below 2^62) so that every step stays a vector instruction.
        let last = SIMD8<UInt64>(repeating: UInt64(count - 1))
        var value = SIMD8<UInt64>(repeating: UInt64(truncatingIfNeeded: start)) &+ SIMD8(0, 1, 2, 3, 4, 5, 6, 7)
        value ^= (value ^ last) & (0 &- ((last &- value) &>> 63))
        value = step(value)
        var out = value
        var pending = (last &- value) &>> 63
        while pending.wrappedSum() != 0 {
            value = step(value)
            out ^= (out ^ value) & (0 &- pending)
            pending &= (last &- value) &>> 63
        }
        return out
    }
}
