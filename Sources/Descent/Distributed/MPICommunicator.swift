#if MPI
import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// The ranks of `MPI_COMM_WORLD` (Open MPI), as a ``RankCommunicator``: `MPI_Allgatherv`
/// moves the bytes; nothing is ever added inside MPI except exact integer counts.
///
/// Only the thread that initialised MPI calls it (`MPI_THREAD_FUNNELED`): the kernels'
/// threads never do, and collectives run after `concurrentPerform` returns.
package final class MPICommunicator: RankCommunicator, @unchecked Sendable {
    package let rank: Int
    package let size: Int
    /// The name of this rank's host (`MPI_Get_processor_name`).
    package let hostName: String

    /// Calls `MPI_Init_thread` when `mpirun` (or a PMI launcher) started this process, else
    /// returns nil: an MPI build run on its own is one process and never touches MPI.
    package static func startIfLaunched() throws -> MPICommunicator? {
        guard RankEnvironment.launchedByMPIRun else { return nil }
        var provided: Int32 = 0
        let rc = MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided)
        guard rc == cmpi_success() else { throw DescentError.configuration("MPI_Init_thread failed (error \(rc))") }
        var rank: Int32 = 0
        var size: Int32 = 0
        MPI_Comm_rank(cmpi_comm_world(), &rank)
        MPI_Comm_size(cmpi_comm_world(), &size)
        var name = [CChar](repeating: 0, count: Int(cmpi_max_processor_name()) + 1)
        var length: Int32 = 0
        MPI_Get_processor_name(&name, &length)
        return MPICommunicator(
            rank: Int(rank), size: Int(size),
            hostName: String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    init(rank: Int, size: Int, hostName: String) {
        self.rank = rank
        self.size = size
        self.hostName = hostName
    }

    /// `MPI_Allgatherv` of bytes.
    package func allGather(_ local: UnsafeRawBufferPointer, counts: [Int], into result: UnsafeMutableRawBufferPointer) {
        precondition(counts.count == size && counts[rank] == local.count, "every rank must pass the same counts")
        precondition(counts.reduce(0, +) <= Int(Int32.max), "an all-gather of more than 2 GiB")
        var displacements: [Int32] = []
        var offset: Int32 = 0
        for count in counts {
            displacements.append(offset)
            offset += Int32(count)
        }
        let counts32 = counts.map { Int32($0) }
        let rc = MPI_Allgatherv(
            local.baseAddress, Int32(local.count), cmpi_byte(), result.baseAddress, counts32, displacements,
            cmpi_byte(), cmpi_comm_world())
        check(rc, "MPI_Allgatherv")
    }

    /// `MPI_Allreduce` of 64-bit integers with `MPI_SUM` (exact in any order).
    package func sum(_ values: [Int64]) -> [Int64] {
        var result = [Int64](repeating: 0, count: values.count)
        guard !values.isEmpty else { return result }
        let rc = values.withUnsafeBufferPointer { v in
            result.withUnsafeMutableBufferPointer { r in
                MPI_Allreduce(v.baseAddress, r.baseAddress, Int32(v.count), cmpi_int64(), cmpi_sum(), cmpi_comm_world())
            }
        }
        check(rc, "MPI_Allreduce")
        return result
    }

    /// `MPI_Barrier`.
    package func barrier() { check(MPI_Barrier(cmpi_comm_world()), "MPI_Barrier") }

    /// `MPI_Finalize`, after a successful run.
    package func finalize() { MPI_Finalize() }

    /// `MPI_Abort`: ends every rank of the job with `code` (mpirun exits non-zero).
    package func abort(code: Int32) -> Never {
        MPI_Abort(cmpi_comm_world(), code)
        _exit(code)
    }

    /// MPI's default error handler aborts the job before a failed call returns; should one
    /// return an error anyway, the job is ended rather than left waiting.
    func check(_ rc: Int32, _ call: String) {
        guard rc != cmpi_success() else { return }
        let message = "error: [rank \(rank) of \(size)] \(call) failed (error \(rc))\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        abort(code: 2)
    }
}
#endif
