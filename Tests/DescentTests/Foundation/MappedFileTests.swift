import Foundation
import Testing

@testable import Descent

/// Input files mapped or, when they cannot be (pipes, FIFOs), read into memory.
struct MappedFileTests {
    /// A pipe is read whole (it cannot be mapped), and a stream over the limit is refused.
    @Test func pipesAreReadIntoMemory() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = String(repeating: "1,2,0\n", count: 1000)
        let written = text.utf8.withContiguousStorageIfAvailable { write(fds[1], $0.baseAddress, $0.count) }
        #expect(written == text.utf8.count)
        close(fds[1])
        defer { close(fds[0]) }
        let file = try MappedFile(path: "/proc/self/fd/\(fds[0])", role: "--train")
        #expect(file.count == text.utf8.count)
        #expect(String(decoding: UnsafeBufferPointer(start: file.bytes, count: file.count), as: UTF8.self) == text)

        #expect(pipe(&fds) == 0)
        _ = text.utf8.withContiguousStorageIfAvailable { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        #expect(throws: DescentError.self) {
            try MappedFile(path: "/proc/self/fd/\(fds[0])", role: "--train", streamLimit: 100)
        }
    }
}
