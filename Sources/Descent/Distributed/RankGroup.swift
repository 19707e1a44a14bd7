import Dispatch

/// Moves bytes between the processes (ranks) of a multi-process run. The MPI build
/// implements it with Open MPI; tests implement it with threads. It never adds: sums that
/// must not depend on the rank count are finished by every rank in a fixed order
/// (``BlockReduction``).
package protocol RankCommunicator: AnyObject, Sendable {
    /// This process's rank, 0 ..< size.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }
    /// Every rank's bytes, concatenated in rank order (`MPI_Allgatherv`). `counts[r]` is the
    /// number of bytes rank r gives; every rank passes the same `counts`.
    func allGather(_ local: UnsafeRawBufferPointer, counts: [Int], into result: UnsafeMutableRawBufferPointer)
    /// Sums of whole numbers over the ranks (exact, so the order does not matter).
    func sum(_ values: [Int64]) -> [Int64]
}

extension RankCommunicator {
    /// Every rank's `value`, in rank order.
    package func allGather(_ value: UInt64) -> [UInt64] {
        var result = [UInt64](repeating: 0, count: size)
        withUnsafeBytes(of: value) { local in
            result.withUnsafeMutableBytes { allGather(local, counts: [Int](repeating: 8, count: size), into: $0) }
        }
        return result
    }
}

/// The ranks of a run and the threads each one runs, which decide who owns which chunks.
///
/// Public so that a run's functions can take one (`ranks: nil` is one process); only the
/// command-line tool makes them, over Open MPI.
public struct RankGroup: Sendable {
    package let communicator: any RankCommunicator
    /// Each rank's thread count, in rank order (the same on every rank).
    public let threads: [Int]
    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    /// Gathers every rank's thread count (a collective call: every rank makes it).
    package init(communicator: any RankCommunicator, threads: Int) {
        self.communicator = communicator
        self.threads = communicator.allGather(UInt64(threads)).map { Int($0) }
    }

    /// What this rank owns of a set of `chunkCount` chunks.
    package func share(chunkCount: Int) -> RankShare {
        RankShare(
            communicator: communicator, ranges: BlockReduction.ranges(count: chunkCount, weights: threads),
            chunkCount: chunkCount)
    }
}

/// One dataset's chunks over the ranks: every rank's contiguous range, and the collective
/// operations over them.
package final class RankShare: @unchecked Sendable {
    /// Seconds spent in ``reduce(_:stride:)``'s all-gather and finish (waiting for the
    /// other ranks included), for reports of the exchange's share of an epoch.
    package private(set) var exchangeSeconds = 0.0
    /// Calls of ``reduce(_:stride:)``.
    package private(set) var exchanges = 0
    package let communicator: any RankCommunicator
    /// Rank r owns chunks `ranges[r]`.
    package let ranges: [Range<Int>]
    package let chunkCount: Int
    /// Each rank's blocks of the reduction tree.
    let blocks: [[Range<Int>]]

    init(communicator: any RankCommunicator, ranges: [Range<Int>], chunkCount: Int) {
        self.communicator = communicator
        self.ranges = ranges
        self.chunkCount = chunkCount
        blocks = ranges.map { BlockReduction.blocks(of: $0, count: chunkCount) }
    }

    /// The chunks this rank owns.
    package var owned: Range<Int> { ranges[communicator.rank] }

    /// Reduces the `chunkCount` per-chunk partials of all ranks (this rank's at their global
    /// chunk index in `partials`) into `partials[0 ..< stride]` on every rank, with the bits
    /// of ``FixedOrderReduction/reduce(_:count:stride:)`` over all of them in one process.
    /// A collective call: every rank makes it.
    package func reduce<T: KernelScalar>(_ partials: UnsafeMutablePointer<T>, stride: Int) {
        guard chunkCount > 0 else { return }
        let rank = communicator.rank
        let all = blocks.reduce(0) { $0 + $1.count }
        let gathered = UnsafeMutablePointer<T>.allocate(capacity: all * stride)
        defer { gathered.deallocate() }
        let local = UnsafeMutablePointer<T>.allocate(capacity: max(1, blocks[rank].count) * stride)
        defer { local.deallocate() }
        BlockReduction.reduceBlocks(partials, range: ranges[rank], count: chunkCount, stride: stride, into: local)
        let bytes = MemoryLayout<T>.stride * stride
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            exchangeSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            exchanges += 1
        }
        communicator.allGather(
            UnsafeRawBufferPointer(start: local, count: blocks[rank].count * bytes),
            counts: blocks.map { $0.count * bytes },
            into: UnsafeMutableRawBufferPointer(start: gathered, count: all * bytes))
        BlockReduction.finish(
            gathered, starts: blocks.flatMap { $0.map(\.lowerBound) }, count: chunkCount, stride: stride)
        partials.update(from: gathered, count: stride)
    }

    /// Sums whole-number counts over the ranks (exact).
    package func sum(_ values: [Int]) -> [Int] {
        communicator.sum(values.map { Int64($0) }).map { Int($0) }
    }

    /// Sums a matrix of whole-number counts (a confusion matrix) over the ranks (exact).
    package func sum(_ matrix: [[Int]]) -> [[Int]] {
        let width = matrix.first?.count ?? 0
        let total = sum(matrix.flatMap { $0 })
        return matrix.indices.map { Array(total[$0 * width..<($0 + 1) * width]) }
    }
}

extension RankGroup {
    /// Every rank's bytes, in rank order (a collective call: every rank makes it, each with
    /// its own `local`, of any length).
    package func allGather(_ local: [UInt8]) -> [[UInt8]] {
        let counts = communicator.allGather(UInt64(local.count)).map { Int($0) }
        var gathered = [UInt8](repeating: 0, count: counts.reduce(0, +))
        local.withUnsafeBytes { bytes in
            gathered.withUnsafeMutableBytes { communicator.allGather(bytes, counts: counts, into: $0) }
        }
        var offset = 0
        return counts.map { count in
            defer { offset += count }
            return Array(gathered[offset..<offset + count])
        }
    }
}
