import Testing

@testable import Descent

/// The split's random permutation (``IndexPermutation``), element by element and eight at a time.
struct IndexPermutationTests {
    @Test func permutationVisitsEveryIndexOnce() {
        for count in [1, 2, 3, 17, 1000, 4097] {
            let p = IndexPermutation(count: count, rng: CounterRNG(seed: 9), stream: .shuffle, round: 2)
            let values = (0..<count).map { p[$0] }
            #expect(Set(values).count == count)
            #expect(values.allSatisfy { $0 >= 0 && $0 < count })
            // Eight lanes walked together give the same elements; lanes past the end, the last.
            let vectorised = stride(from: 0, to: count, by: 8).allSatisfy { start in
                let lanes = p.elements(from: start)
                return (0..<8).allSatisfy { Int(lanes[$0]) == p[min(start + $0, count - 1)] }
            }
            #expect(vectorised, "\(count) elements, eight at a time")
            // And backwards: the positions of eight elements, the last's past the end.
            let inverse = stride(from: 0, to: count, by: 8).allSatisfy { start in
                let lanes = p.positions(from: start)
                return (0..<8).allSatisfy {
                    p[Int(lanes[$0])] == min(start + $0, count - 1)
                        && Int(lanes[$0]) == p.position(of: min(start + $0, count - 1))
                }
            }
            #expect(inverse, "\(count) positions, eight at a time")
        }
        let a = IndexPermutation(count: 1000, rng: CounterRNG(seed: 9), stream: .shuffle, round: 1)
        let b = IndexPermutation(count: 1000, rng: CounterRNG(seed: 9), stream: .shuffle, round: 2)
        #expect((0..<1000).map { a[$0] } != (0..<1000).map { b[$0] })
    }
}
