import Foundation
import Testing
import DescentTestSupport
@testable import Descent

/// Files written by numpy, pandas and the csv module (see Fixtures/make-fixtures.py): made
/// fresh when python3 has numpy and pandas, else the checked-in copies.
struct RealWriterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let directory: URL = {
        if let reason = Python.unavailable(["numpy", "pandas"]) {
            print("RealWriterTests: using the checked-in fixtures: \(reason)")
            return fixtures
        }
        let dir = CLI.temporaryDirectory()
        let script = (try? String(contentsOf: fixtures.appendingPathComponent("make-fixtures.py"), encoding: .utf8)) ?? ""
        guard let result = try? Python.run(script, in: dir), result.status == 0 else {
            print("RealWriterTests: make-fixtures.py failed; using the checked-in fixtures")
            return fixtures
        }
        return dir
    }()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static let X: [[Double]] = (0..<50).map { (i: Int) -> [Double] in
        (0..<3).map { (j: Int) -> Double in Double(i * 10 + j) / 4.0 - 3.0 }
    }
    static let numbers: [String] = (0..<50).map { $0 % 3 == 0 ? "7" : "-1" }
    static let species: [String] = (0..<50).map { ["setosa", "versicolor", "virginica"][$0 % 3] }

    @Test(arguments: ["f8.npy", "f4.npy", "be.npy", "fortran.npy", "v2.npy", "v3.npy", "xy.npz", "savetxt.csv", "savetxt.tsv"])
    func numericLabels(_ name: String) throws {
        for threads in [1, 3] {
            let table = try readRows(RealWriterTests.path(name), threads: threads)
            #expect(table.features == RealWriterTests.X, "\(name)")
            #expect(table.labels == RealWriterTests.numbers, "\(name)")
            #expect(table.names == ["x0", "x1", "x2"])
        }
    }

    @Test func integerArray() throws {
        let table = try readRows(RealWriterTests.path("i4.npy"))
        #expect(table.features == RealWriterTests.X.map { $0.map { $0 * 4 } })
        #expect(table.labels == RealWriterTests.numbers.map { $0 == "7" ? "28" : "-4" })
    }

    @Test(arguments: ["strings.npz", "pandas.csv", "pandas_index.csv", "pandas_quoted.csv", "quote_all.csv", "pandas.tsv", "pandas_semicolon.csv"])
    func textLabels(_ name: String) throws {
        let table = try readRows(RealWriterTests.path(name), threads: 2)
        #expect(table.features == RealWriterTests.X, "\(name)")
        #expect(table.labels == RealWriterTests.species, "\(name)")
        #expect(table.names == (name.hasSuffix(".npz") ? ["x0", "x1", "x2"] : ["a", "b", "c"]), "\(name)")
    }

    /// Training through the whole pipeline: classes in sorted order, named as written.
    @Test func trainsOnNumPyArchives() throws {
        let data = try DataPreparation.prepare(DataSource(origin: .files(train: RealWriterTests.path("strings.npz"), test: nil, labelColumn: nil),
                                                          seed: 3), as: Float.self, executor: ShardedExecutor(threads: 2))
        #expect(data.classes.names == ["setosa", "versicolor", "virginica"] && data.train.rowCount + data.test.rowCount == 50)
        let numeric = try DataPreparation.prepare(DataSource(origin: .files(train: RealWriterTests.path("f8.npy"), test: nil, labelColumn: nil),
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
            let path = RealWriterTests.path(name)
            do {
                _ = try DataPreparation.prepare(DataSource(origin: .files(train: path, test: nil, labelColumn: nil), seed: 1),
                                                as: Double.self, executor: ShardedExecutor(threads: 2))
                Issue.record("\(name) was accepted")
            } catch {
                #expect("\(error)".contains(path) && "\(error)".contains(message), "\(name): \(error)")
            }
        }
    }
}
