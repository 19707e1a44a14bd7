import CDescentSupport
import Foundation

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file
/// in the same folder, which is then renamed over the target.
public enum AtomicFile {
    /// Writes `contents` to `path` atomically.
    ///
    /// - Throws: ``DescentError/output(_:)`` naming the path and the reason.
    public static func write(_ contents: String, to path: String) throws {
        try write(Data(contents.utf8), to: path)
    }

    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw DescentError.output("\(path): cannot write (\(reason))")
            }
        } catch let error as DescentError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw DescentError.output("\(path): cannot write (\(error.localizedDescription)); check that the folder exists and is writable")
        }
    }

    /// JSON text with sorted keys and indentation.
    public static func json(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

/// Standard output's write errors, which `print` does not report.
public enum StandardOutput {
    /// Flushes standard output; returns why some of what was written to it was lost (a full
    /// disk, a closed pipe), or nil when all of it arrived.
    public static func flush() -> String? {
        let code = descent_flush_stdout()
        return code == 0 ? nil : String(cString: strerror(code))
    }
}
