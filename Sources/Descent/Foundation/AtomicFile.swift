import CDescentSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file
/// in the same folder (`.NAME.tmp-PID`), which is renamed over the target when complete.
/// Every file Descent writes goes through here: a run's files, predictions, generated data.
package enum AtomicFile {
    /// Writes `contents` to `path` atomically.
    ///
    /// - Throws: ``DescentError/output(_:)`` naming the path and the reason.
    package static func write(_ contents: String, to path: String) throws {
        try write(Data(contents.utf8), to: path)
    }

    package static func write(_ data: Data, to path: String) throws {
        let file = try Writer(path: path)
        try file.write(data)
        try file.commit()
    }

    /// Writes `value` to `path` atomically as indented JSON text with sorted keys.
    package static func write(_ value: JSONValue, to path: String) throws {
        try write(Data(value.text().utf8), to: path)
    }

    /// The temporary file an atomic write of `path` uses.
    package static func temporaryPath(of path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return (slash.map { String(path[...$0]) } ?? "") + ".\(name).tmp-\(getpid())"
    }

    /// A file being written atomically: bytes go to ``temporary`` (through ``descriptor`` or
    /// ``write(_:)``) until ``commit()`` renames it over ``path``; if it is never committed,
    /// the temporary file is removed when the writer goes away.
    package final class Writer {
        package let path: String
        package let temporary: String
        package let descriptor: Int32
        var committed = false

        /// Creates the temporary file beside `path`.
        ///
        /// - Throws: ``DescentError/output(_:)`` when the folder cannot be written.
        package init(path: String) throws {
            self.path = path
            temporary = AtomicFile.temporaryPath(of: path)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw DescentError.output(
                    "\(path): cannot write (\(String(cString: strerror(errno)))); check that the folder exists and is writable"
                )
            }
        }

        deinit {
            close(descriptor)
            if !committed { unlink(temporary) }
        }

        /// Appends `data`.
        package func write(_ data: Data) throws {
            try data.withUnsafeBytes { bytes in
                var written = 0
                while written < bytes.count {
                    let n = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else {
                        throw DescentError.output("\(path): cannot write (\(String(cString: strerror(errno))))")
                    }
                    written += n
                }
            }
        }

        /// Renames the finished file over ``path``.
        package func commit() throws {
            guard rename(temporary, path) == 0 else {
                throw DescentError.output("\(path): cannot write (\(String(cString: strerror(errno))))")
            }
            committed = true
        }
    }
}

/// Standard output's write errors, which `print` does not report.
package enum StandardOutput {
    /// Flushes standard output; returns why some of what was written to it was lost (a full
    /// disk, a closed pipe), or nil when all of it arrived.
    package static func flush() -> String? {
        let code = descent_flush_stdout()
        return code == 0 ? nil : String(cString: strerror(code))
    }
}
