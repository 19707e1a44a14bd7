import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Labels as classes (``LabelEncoding``): numeric labels are classes in numeric order, as
/// numpy.unique orders them: 2 < 9 < 10 (as text, "10" would come first), and -3 < 0.5.
struct LabelEncodingTests {
    @Test func numericLabelsSortByValue() throws {
        let directory = CLI.temporaryDirectory()
        let train = CLI.write("a,label\n1,10\n2,2\n3,9\n4,10\n5,2\n6,9\n", to: "train.csv", in: directory)
        let source = DataSource(origin: .files(train: train, test: nil, labelColumn: nil), testFraction: 0.5, seed: 3)
        let data = try DataPreparation.prepare(source, as: Double.self, executor: ShardedExecutor(threads: 1))
        #expect(data.classes.names == ["2", "9", "10"])
        let mixed = CLI.write("a,label\n1,0.5\n2,-3\n3,0.5\n4,-3\n", to: "mixed.csv", in: directory)
        let other = try DataPreparation.prepare(
            DataSource(origin: .files(train: mixed, test: nil, labelColumn: nil), testFraction: 0.5, seed: 3),
            as: Double.self, executor: ShardedExecutor(threads: 1))
        #expect(other.classes.names == ["-3", "0.5"])
    }
}
