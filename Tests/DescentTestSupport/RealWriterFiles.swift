import Foundation

/// Files written by numpy, pandas and the csv module (Tests/DescentTests/Fixtures/make-fixtures.py):
/// made fresh when python3 has numpy and pandas, else the checked-in copies. Each holds the rows
/// `X` with the labels `numbers` or `species`.
package enum RealWriterFiles {
    package static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/DescentTests/Fixtures")

    package static let directory: URL = {
        if let reason = Python.unavailable(["numpy", "pandas"]) {
            print("RealWriterFiles: using the checked-in fixtures: \(reason)")
            return fixtures
        }
        let dir = CLI.temporaryDirectory()
        let script =
            (try? String(contentsOf: fixtures.appendingPathComponent("make-fixtures.py"), encoding: .utf8)) ?? ""
        guard let result = try? Python.run(script, in: dir), result.status == 0 else {
            print("RealWriterFiles: make-fixtures.py failed; using the checked-in fixtures")
            return fixtures
        }
        return dir
    }()

    package static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The svmlight files of make-svmlight-fixtures.py (scikit-learn's `dump_svmlight_file`,
    /// one- and zero-based, and the same rows as CSV): made fresh when python3 has
    /// scikit-learn, else the checked-in copies.
    package static let svmlightDirectory: URL = {
        if let reason = Python.unavailable(["numpy", "scipy", "sklearn"]) {
            print("RealWriterFiles: using the checked-in svmlight fixtures: \(reason)")
            return fixtures
        }
        let dir = CLI.temporaryDirectory()
        let script =
            (try? String(contentsOf: fixtures.appendingPathComponent("make-svmlight-fixtures.py"), encoding: .utf8))
            ?? ""
        guard let result = try? Python.run(script, in: dir), result.status == 0 else {
            print("RealWriterFiles: make-svmlight-fixtures.py failed; using the checked-in fixtures")
            return fixtures
        }
        return dir
    }()

    package static func svmlightPath(_ name: String) -> String { svmlightDirectory.appendingPathComponent(name).path }

    package static let features: [[Double]] = (0..<50).map { (i: Int) -> [Double] in
        (0..<3).map { (j: Int) -> Double in Double(i * 10 + j) / 4.0 - 3.0 }
    }
    package static let numbers: [String] = (0..<50).map { $0 % 3 == 0 ? "7" : "-1" }
    package static let species: [String] = (0..<50).map { ["setosa", "versicolor", "virginica"][$0 % 3] }
}
