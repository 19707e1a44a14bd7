import Testing

@testable import Descent

/// The train/test/validation split (``DataSplit``).
struct DataSplitTests {
    @Test func splitSizesFollowScikitLearn() {
        let split = DataSplit(count: 1001, testFraction: 0.5, seed: 1)
        #expect(split.testCount == 501)  // ceil(0.5 * 1001)
        #expect(split.trainCount == 500)
        let rows = (0..<split.testCount).map(split.testRow) + (0..<split.trainCount).map(split.trainRow)
        #expect(Set(rows).count == 1001)
        let withValidation = DataSplit(count: 1000, testFraction: 0.2, validationFraction: 0.25, seed: 1)
        #expect(
            withValidation.testCount == 200 && withValidation.validationCount == 200 && withValidation.trainCount == 600
        )
    }
}
