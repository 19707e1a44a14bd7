import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The fuzz corpus (`Tests/Fuzz/corpus`) replayed through every fuzz target (``FuzzTargets``):
/// the readers of untrusted input in Data (CSV, NumPy and svmlight files), Configuration (JSON
/// configuration files) and Reporting (`model.json` and `--init-weights`) return an error or a
/// value for every seed, never a trap.
struct FuzzCorpusTests {
    /// Every seed of the fuzz corpus (and every input that once crashed a reader, kept
    /// there) goes through its target in this process: none may trap.
    @Test(arguments: ["csv", "json", "model", "svmlight"])
    func fuzzCorpusReplays(_ target: String) throws {
        let folder = CLI.packageRoot.appendingPathComponent("Tests/Fuzz/corpus/\(target)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count >= 5)
        let run = try #require(FuzzTargets.all[target])
        for name in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            data.withUnsafeBytes { run($0) }
        }
    }
}
