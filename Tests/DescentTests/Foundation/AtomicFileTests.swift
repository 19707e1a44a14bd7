import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Atomic writes: the file appears whole or not at all, and its temporary file cannot be
/// redirected by a link planted beside it.
struct AtomicFileTests {
    /// Issue 30, item 6: 0.7.0 wrote through `.NAME.tmp-PID`, so a symlink planted under that
    /// name (the PID is easy to guess) made a write land in the file it pointed to. The name
    /// now has a random part and the file is created exclusively, without following links.
    @Test func aLinkPlantedAtThePredictableTemporaryNameIsNotFollowed() throws {
        let dir = CLI.temporaryDirectory()
        let victim = CLI.write("the user's data\n", to: "victim.txt", in: dir)
        let target = dir.appendingPathComponent("out.csv").path
        let planted = dir.appendingPathComponent(".out.csv.tmp-\(getpid())").path
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: victim)
        try AtomicFile.write("prediction\n1\n", to: target)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "the user's data\n")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "prediction\n1\n")
        // Nothing of the write is left beside the target (the planted link is the user's).
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == [".out.csv.tmp-\(getpid())", "out.csv", "victim.txt"], "\(left)")
    }

    @Test func temporaryNamesDoNotRepeat() {
        let names = Set((0..<100).map { _ in AtomicFile.temporaryPath(of: "runs/model.json") })
        #expect(names.count == 100)
        #expect(names.allSatisfy { $0.hasPrefix("runs/.model.json.tmp-\(getpid())-") })
    }

    /// A writer that is never committed leaves nothing behind.
    @Test func anUncommittedWriteLeavesNothing() throws {
        let dir = CLI.temporaryDirectory()
        let target = dir.appendingPathComponent("g.npy").path
        do {
            let file = try AtomicFile.Writer(path: target)
            try file.write(Data([1, 2, 3]))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
