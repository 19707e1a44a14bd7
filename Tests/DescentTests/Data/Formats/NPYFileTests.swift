import DescentTestSupport
import Testing

@testable import Descent

/// NumPy `.npy` and `.npz` files (``NPYFile``): integer arrays, archives through the whole
/// pipeline, and files that are not data.
struct NPYFileTests {
    @Test func integerArray() throws {
        let table = try readRows(RealWriterFiles.path("i4.npy"))
        #expect(table.features == RealWriterFiles.features.map { $0.map { $0 * 4 } })
        #expect(table.labels == RealWriterFiles.numbers.map { $0 == "7" ? "28" : "-4" })
    }

    /// Training through the whole pipeline: classes in sorted order, named as written.
    @Test func trainsOnNumPyArchives() throws {
        let data = try DataPreparation.prepare(
            DataSource(
                origin: .files(train: RealWriterFiles.path("strings.npz"), test: nil, labelColumn: nil),
                seed: 3), as: Float.self, executor: ShardedExecutor(threads: 2))
        #expect(
            data.classes.names == ["setosa", "versicolor", "virginica"]
                && data.train.rowCount + data.test.rowCount == 50)
        let numeric = try DataPreparation.prepare(
            DataSource(
                origin: .files(train: RealWriterFiles.path("f8.npy"), test: nil, labelColumn: nil),
                seed: 3), as: Double.self, executor: ShardedExecutor(threads: 2))
        #expect(numeric.classes.names == ["-1", "7"] && numeric.classCount == 2)
    }

    @Test func badNumPyFiles() {
        let cases: [(String, String)] = [
            ("compressed.npz", "'X.npy' is compressed (method 8, as numpy.savez_compressed writes)"),
            ("cube.npy", "the array has shape (2, 2, 2); a data file needs a 2-D array"),
            ("complex.npy", "complex numbers (dtype '<c16')"),
            ("object.npy", "an object array (dtype '|O'"),
            ("noy.npz", "no array named 'y' (the archive has 'X')"),
            ("mismatch.npz", "X has 50 rows but y has 49 labels"),
            ("truncated.npy", "truncated: shape (50, 4) of <f8 needs 1600 bytes of data, the file has 1580"),
        ]
        for (name, message) in cases {
            let path = RealWriterFiles.path(name)
            do {
                _ = try DataPreparation.prepare(
                    DataSource(origin: .files(train: path, test: nil, labelColumn: nil), seed: 1),
                    as: Double.self, executor: ShardedExecutor(threads: 2))
                Issue.record("\(name) was accepted")
            } catch {
                #expect("\(error)".contains(path) && "\(error)".contains(message), "\(name): \(error)")
            }
        }
    }
}
