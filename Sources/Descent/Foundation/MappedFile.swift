import Foundation

#if os(Linux)
import Glibc
#else
import Darwin
#endif

/// A file mapped read-only into memory (`mmap`), unmapped when released; or, for what
/// cannot be mapped (a pipe, a FIFO, `/dev/stdin` fed by a pipe, a character device), the
/// stream read into memory in chunks.
///
/// Readers parse straight from the mapping, so no copy of the file is made; they call
/// ``release(_:)`` behind them so that pages already parsed stop counting against the
/// process's resident memory (the kernel keeps them in its page cache).
package final class MappedFile: @unchecked Sendable {
    package let path: String
    /// The file's bytes (a dangling but never read pointer when the file is empty).
    package let bytes: UnsafePointer<UInt8>
    package let count: Int
    let mapped: UnsafeMutableRawPointer?
    /// The buffer a stream was read into (nil for a mapped file).
    let owned: UnsafeMutableRawPointer?

    /// Streams are read in chunks of this many bytes.
    static let streamChunk = 1 << 20

    /// Maps `path`, or reads it whole when it is a stream that cannot be mapped.
    ///
    /// - Parameters:
    ///   - path: the file, pipe or FIFO.
    ///   - role: how the file was named on the command line (for messages), for
    ///     example `--train`.
    ///   - streamLimit: the most bytes read from a stream (default: half the
    ///     machine's memory), so that `/dev/zero` cannot fill memory.
    /// - Throws: ``DescentError/input(_:)`` when the file is missing, a folder, or cannot
    ///   be read or mapped.
    package init(path: String, role: String, streamLimit: Int? = nil) throws {
        self.path = path
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw DescentError.input("\(path): cannot be read: it is a folder; give \(role) a file")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw DescentError.input("\(path): no such file; check the path given to \(role)") }
            if code == EACCES {
                throw DescentError.input("\(path): cannot be read: permission denied; check the file's permissions")
            }
            throw DescentError.input("\(path): cannot be read (\(String(cString: strerror(code))))")
        }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else { throw DescentError.input("\(path): cannot be read (fstat failed)") }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR {
            throw DescentError.input("\(path): cannot be read: it is a folder; give \(role) a file")
        }
        guard kind == S_IFREG else {
            // A pipe, FIFO, socket or device: mmap cannot map it, so read it all.
            let limit = streamLimit ?? MappedFile.defaultStreamLimit
            let (buffer, length) = try MappedFile.readStream(fd, path: path, role: role, limit: limit)
            mapped = nil
            owned = buffer
            count = length
            bytes =
                buffer.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) } ?? UnsafePointer(bitPattern: 1)!
            return
        }
        owned = nil
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

    /// Half of the machine's physical memory.
    static var defaultStreamLimit: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 1 << 32 }
        return pages.multipliedReportingOverflow(by: size).overflow ? Int.max / 2 : pages * size / 2
    }

    /// Reads `fd` to its end in chunks into one growing buffer (nil when it is empty).
    static func readStream(_ fd: Int32, path: String, role: String, limit: Int) throws -> (
        UnsafeMutableRawPointer?, Int
    ) {
        var buffer: UnsafeMutableRawPointer?
        var capacity = 0
        var length = 0
        while true {
            if capacity - length < streamChunk {
                let grown = max(capacity * 2, length + streamChunk)
                guard let bigger = realloc(buffer, grown) else {
                    free(buffer)
                    throw DescentError.input(
                        "\(path): out of memory after reading \(length) bytes from \(role); save the data to a file first"
                    )
                }
                buffer = bigger
                capacity = grown
            }
            let n = read(fd, buffer! + length, min(capacity - length, streamChunk))
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                free(buffer)
                throw DescentError.input("\(path): cannot be read (\(message))")
            }
            if n == 0 { break }
            length += n
            if length > limit {
                free(buffer)
                throw DescentError.input(
                    "\(path): more than \(limit) bytes from a stream given to \(role), over half this machine's memory; save the data to a file (which is mapped, not copied)"
                )
            }
        }
        if length == 0 {
            free(buffer)
            return (nil, 0)
        }
        return (buffer, length)
    }

    /// The whole content of `path` (a file, a pipe, a FIFO or `/dev/stdin`), for small files
    /// such as configurations and models.
    package static func contents(of path: String, role: String) throws -> Data {
        let file = try MappedFile(path: path, role: role)
        return file.count == 0 ? Data() : Data(bytes: file.bytes, count: file.count)
    }

    deinit {
        if let mapped { munmap(mapped, count) }
        if let owned { free(owned) }
    }

    /// Drops the pages wholly inside `range` (byte offsets) from this process's memory; a
    /// later read maps them again from the page cache. Safe while other threads read them.
    package func release(_ range: Range<Int>) {
        #if os(Linux)
        guard let mapped else { return }
        let page = 4096
        let lower = (range.lowerBound + page - 1) / page * page
        let upper = range.upperBound / page * page
        if upper > lower { _ = madvise(mapped + lower, upper - lower, MADV_DONTNEED) }
        #endif
    }
}
