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

    /// A new name for the temporary file of an atomic write of `path`: `.NAME.tmp-PID-RANDOM`
    /// beside it. Unpredictable, so that no one can plant a link under it beforehand (and the
    /// file is created exclusively, never following a link, besides).
    package static func temporaryPath(of path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return (slash.map { String(path[...$0]) } ?? "") + ".\(name).tmp-\(getpid())-\(random)"
    }

    /// A file being written atomically: bytes go to ``temporary`` (through ``descriptor`` or
    /// ``write(_:)``) until ``commit()`` renames it over ``path``; if it is never committed,
    /// the temporary file is removed when the writer goes away.
    package final class Writer {
        package let path: String
        package let temporary: String
        package let descriptor: Int32
        var committed = false

        /// Creates the temporary file beside `path`, exclusively: a new file, never through a
        /// link.
        ///
        /// - Throws: ``DescentError/output(_:)`` when the folder cannot be written.
        package init(path: String) throws {
            self.path = path
            var name = AtomicFile.temporaryPath(of: path)
            var opened = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            var attempts = 1
            while opened < 0 && errno == EEXIST && attempts < 16 {  // a name taken: draw another
                attempts += 1
                name = AtomicFile.temporaryPath(of: path)
                opened = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            }
            temporary = name
            descriptor = opened
            guard descriptor >= 0 else {
                throw DescentError.output(
                    "\(path): cannot write (\(String(cString: strerror(errno)))); check that the folder exists and is writable"
                )
            }
        }

        deinit {
            guard descriptor >= 0 else { return }  // nothing was created: the name is not ours
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
