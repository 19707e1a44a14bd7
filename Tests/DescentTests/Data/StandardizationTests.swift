import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// `--standardize` by hand: the training rows' mean and population standard deviation
/// (divided by n, as scikit-learn's StandardScaler), applied to the training and the test
/// rows alike.
struct StandardizationTests {
    @Test func trainingStatisticsByHand() throws {
        let directory = CLI.temporaryDirectory()
        let train = CLI.write("a,b,label\n1,10,0\n2,10,1\n3,10,0\n6,10,1\n", to: "train.csv", in: directory)
        let test = CLI.write("a,b,label\n4,7,1\n-1,10,0\n", to: "test.csv", in: directory)
        let source = DataSource(
            origin: .files(train: train, test: test, labelColumn: nil), testFraction: 0.5,
            validationFraction: 0, standardize: true, seed: 3)
        let data = try DataPreparation.prepare(source, as: Double.self, executor: ShardedExecutor(threads: 2))
        let s = try #require(data.standardization)
        // a: mean 3; squared deviations 4, 1, 0, 9 -> variance 14 / 4 (not 14 / 3).
        #expect(s.mean == [3, 10])
        #expect(s.std[0] == (14.0 / 4).squareRoot())
        #expect(s.std[1] == 1, "a feature with no spread keeps its scale")
        let trainA = (0..<data.train.rowCount).map { data.train.feature($0, 0) }.sorted()
        #expect(trainA == [1.0, 2, 3, 6].map { ($0 - 3) / (14.0 / 4).squareRoot() }.sorted())
        // The test rows use the training statistics, in file order.
        #expect(data.test.rowCount == 2)
        #expect(data.test.feature(0, 0) == (4 - 3) / (14.0 / 4).squareRoot())
        #expect(data.test.feature(0, 1) == 7 - 10)
        #expect(data.test.feature(1, 0) == (-1 - 3) / (14.0 / 4).squareRoot())
    }
}
