import Foundation
import Synchronization

/// The tests' files: fresh folders and files in them, all removed when the test process exits.
extension CLI {
    /// A fresh temporary folder, removed with everything in it when the test process exits.
    package static func temporaryDirectory() -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "descent-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        TemporaryFolders.register(url)
        return url
    }

    /// Writes `text` to the file `name` in `directory`; returns its path.
    package static func write(_ text: String, to name: String, in directory: URL) -> String {
        write(bytes: Array(text.utf8), to: name, in: directory)
    }

    /// Writes `bytes` to the file `name` in `directory`; returns its path.
    package static func write(bytes: [UInt8], to name: String, in directory: URL) -> String {
        let url = directory.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url.path
    }
}

/// A file holding `contents`, alone in a fresh temporary folder; returns its path.
package func temporaryFile(_ contents: String, name: String = "data.csv") -> String {
    CLI.write(contents, to: name, in: CLI.temporaryDirectory())
}

/// Folders the tests made, removed at exit so that a test run leaves nothing behind.
enum TemporaryFolders {
    static let folders = Mutex<[URL]>([])
    static let cleanUpAtExit: Void = { atexit { TemporaryFolders.removeAll() } }()

    static func register(_ url: URL) {
        _ = cleanUpAtExit
        folders.withLock { $0.append(url) }
    }

    static func removeAll() {
        for url in folders.withLock({ $0 }) { try? FileManager.default.removeItem(at: url) }
    }
}
