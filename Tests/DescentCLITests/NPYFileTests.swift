import DescentTestSupport
import Foundation
import Testing

/// NumPy files (`NPYFile`) with hostile shapes, refused at once.
struct NPYFileTests {
    static let dir = CLI.temporaryDirectory()

    /// Fuzzing: a NumPy header with a huge column count and no rows, and one whose size
    /// overflows, are refused at once (they ran out of memory or trapped).
    @Test func hostileNumPyShapesAreRefused() throws {
        func npy(_ shape: String) -> Data {
            var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
            header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
            let length = UInt16(header.utf8.count)
            return Data(
                [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8))
        }
        let empty = Self.dir.appendingPathComponent("wide-empty.npy").path
        try npy("(0, 4611686018427387904)").write(to: URL(fileURLWithPath: empty))
        expectCleanFailure(try CLI.run(["train", "--train", empty]), "the array has no rows")
        let overflow = Self.dir.appendingPathComponent("overflow.npy").path
        try npy("(4294967296, 4294967296)").write(to: URL(fileURLWithPath: overflow))
        expectCleanFailure(try CLI.run(["train", "--train", overflow]), "truncated: shape (4294967296, 4294967296)")
    }
}
