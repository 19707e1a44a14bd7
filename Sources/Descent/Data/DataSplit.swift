/// A seeded split of `count` rows into test, validation and training parts.
///
/// Rows are taken in the order of an ``IndexPermutation`` keyed by the seed: the first
/// `testCount` positions are the test set (`ceil(testFraction * count)`, as scikit-learn's
/// `train_test_split` counts them), the next `validationCount` the validation set, the rest
/// training. Row order inside each part is the permutation's.
package struct DataSplit: Sendable {
    package let count: Int
    package let testCount: Int
    package let validationCount: Int
    package var trainCount: Int { count - testCount - validationCount }
    @usableFromInline let permutation: IndexPermutation

    package init(count: Int, testFraction: Double, validationFraction: Double = 0, seed: UInt64) {
        self.count = count
        testCount = testFraction > 0 ? min(count, Int((testFraction * Double(count)).rounded(.up))) : 0
        let remaining = count - testCount
        validationCount =
            validationFraction > 0 ? min(remaining, Int((validationFraction * Double(remaining)).rounded(.up))) : 0
        permutation = IndexPermutation(count: count, rng: CounterRNG(seed: seed), stream: .split)
    }

    /// The source row of test row `i`.
    @inlinable package func testRow(_ i: Int) -> Int { permutation[i] }
    /// The source row of validation row `i`.
    @inlinable package func validationRow(_ i: Int) -> Int { permutation[testCount + i] }
    /// The source row of training row `i`.
    @inlinable package func trainRow(_ i: Int) -> Int { permutation[testCount + validationCount + i] }

    /// The source rows of test rows `i ..< i + 8` (past the test set's end: any source row).
    @inlinable package func testRows(from i: Int) -> SIMD8<UInt64> { permutation.elements(from: i) }
    /// The source rows of validation rows `i ..< i + 8` (past the end: any source row).
    @inlinable package func validationRows(from i: Int) -> SIMD8<UInt64> { permutation.elements(from: testCount + i) }
    /// The source rows of training rows `i ..< i + 8` (past the end: any source row).
    @inlinable package func trainRows(from i: Int) -> SIMD8<UInt64> {
        permutation.elements(from: testCount + validationCount + i)
    }

    /// The positions in the split's permutation of source rows `row ..< row + 8` (past the
    /// last row: the last row's), for ``destination(ofPosition:)``.
    @inlinable @inline(__always)
    package func positions(fromRow row: Int) -> SIMD8<UInt64> { permutation.positions(from: row) }

    /// The part and index of the row at `position` of the split's permutation.
    @inlinable @inline(__always)
    package func destination(ofPosition position: Int) -> (part: Part, index: Int) {
        if position < testCount { return (.test, position) }
        if position < testCount + validationCount { return (.validation, position - testCount) }
        return (.train, position - testCount - validationCount)
    }

    /// The parts of a split.
    package enum Part: Int, Sendable {
        case test = 0
        case validation = 1
        case train = 2
    }

    /// The part source row `row` belongs to.
    @inlinable @inline(__always)
    package func part(ofRow row: Int) -> Part {
        let position = permutation.unsafePosition(of: row)
        return position < testCount ? .test : (position < testCount + validationCount ? .validation : .train)
    }

    /// Where source row `row` goes: its part and its index inside that part (the inverse of
    /// ``testRow(_:)``, ``validationRow(_:)`` and ``trainRow(_:)``).
    @inlinable
    package func destination(ofRow row: Int) -> (part: Part, index: Int) {
        destination(ofPosition: permutation.position(of: row))
    }
}
