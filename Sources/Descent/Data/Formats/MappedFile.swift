#if os(Linux)
import Glibc
#else
import Darwin
#endif

/// A file mapped read-only into memory (`mmap`), unmapped when released.
///
/// Readers parse straight from the mapping, so no copy of the file is made; they call
/// ``release(_:)`` behind them so that pages already parsed stop counting against the
/// process's resident memory (the kernel keeps them in its page cache).
public final class MappedFile: @unchecked Sendable {
    public let path: String
    /// The file's bytes (a dangling but never read pointer when the file is empty).
    public let bytes: UnsafePointer<UInt8>
    public let count: Int
    let mapped: UnsafeMutableRawPointer?

    /// Maps `path`.
    ///
    /// - Parameter role: how the file was named on the command line (for messages), for
    ///   example `--train`.
    /// - Throws: ``DescentError/input(_:)`` when the file is missing, a directory, or cannot
    ///   be read or mapped.
    public init(path: String, role: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw DescentError.input("\(path): no such file; check the path given to \(role)") }
            throw DescentError.input("\(path): cannot be read (\(String(cString: strerror(code))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DescentError.input("\(path): cannot be read (fstat failed)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw DescentError.input("\(path): cannot be read: not a regular file (a directory?); give \(role) a data file")
        }
        count = Int(info.st_size)
        if count == 0 {
            mapped = nil
            bytes = UnsafePointer(bitPattern: 1)!
            return
        }
        let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw DescentError.input("\(path): cannot be mapped into memory (\(String(cString: strerror(errno))))")
        }
        #if os(Linux)
        _ = madvise(address, count, MADV_SEQUENTIAL)
        #endif
        mapped = address
        bytes = UnsafePointer(address.assumingMemoryBound(to: UInt8.self))
    }

    deinit {
        if let mapped { munmap(mapped, count) }
    }

    /// Drops the pages wholly inside `range` (byte offsets) from this process's memory; a
    /// later read maps them again from the page cache. Safe while other threads read them.
    public func release(_ range: Range<Int>) {
        #if os(Linux)
        guard let mapped else { return }
        let page = 4096
        let lower = (range.lowerBound + page - 1) / page * page
        let upper = range.upperBound / page * page
        if upper > lower { _ = madvise(mapped + lower, upper - lower, MADV_DONTNEED) }
        #endif
    }
}
