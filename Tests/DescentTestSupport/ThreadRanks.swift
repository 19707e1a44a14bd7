import Descent
import Foundation

/// Ranks simulated by threads of one process: a ``RankCommunicator`` whose all-gather
/// hands every member the others' bytes. It lets the tests run the library's multi-rank
/// path (each rank holding only its chunks, ``RankShare`` reductions, exact confusion
/// counts) without MPI.
package final class ThreadRanks: @unchecked Sendable {
    let size: Int
    let condition = NSCondition()
    var slots: [[UInt8]?]
    var result: [[UInt8]] = []
    var arrived = 0
    var generation = 0

    init(size: Int) {
        self.size = size
        slots = Array(repeating: nil, count: size)
    }

    /// Every member's bytes, once all have given theirs.
    func exchange(rank: Int, _ bytes: [UInt8]) -> [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        slots[rank] = bytes
        arrived += 1
        if arrived == size {
            result = slots.map { $0! }
            slots = Array(repeating: nil, count: size)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return result
    }

    final class Member: RankCommunicator, @unchecked Sendable {
        let group: ThreadRanks
        let rank: Int
        var size: Int { group.size }
        init(group: ThreadRanks, rank: Int) {
            self.group = group
            self.rank = rank
        }

        func allGather(_ local: UnsafeRawBufferPointer, counts: [Int], into result: UnsafeMutableRawBufferPointer) {
            precondition(counts[rank] == local.count)
            let all = group.exchange(rank: rank, Array(local))
            var offset = 0
            for (r, bytes) in all.enumerated() {
                precondition(bytes.count == counts[r], "rank \(r) gave \(bytes.count) bytes, not \(counts[r])")
                for b in bytes {
                    result[offset] = b
                    offset += 1
                }
            }
        }

        func sum(_ values: [Int64]) -> [Int64] {
            let all = group.exchange(rank: rank, values.withUnsafeBytes { Array($0) })
            var total = [Int64](repeating: 0, count: values.count)
            for bytes in all {
                bytes.withUnsafeBytes { raw in
                    for k in 0..<values.count { total[k] += raw.load(fromByteOffset: k * 8, as: Int64.self) }
                }
            }
            return total
        }
    }

    /// Runs `body(rank group)` on `size` threads at once and returns their results in rank order.
    package static func run<R>(threads: [Int], _ body: @escaping @Sendable (RankGroup) -> R) -> [R] {
        let ranks = ThreadRanks(size: threads.count)
        let results = Box<[R?]>(Array(repeating: nil, count: threads.count))
        let done = DispatchGroup()
        for rank in 0..<threads.count {
            done.enter()
            let thread = Thread {
                let group = RankGroup(communicator: Member(group: ranks, rank: rank), threads: threads[rank])
                let value = body(group)
                results.lock.lock()
                results.value[rank] = value
                results.lock.unlock()
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return results.value.map { $0! }
    }

    final class Box<V>: @unchecked Sendable {
        var value: V
        let lock = NSLock()
        init(_ value: V) { self.value = value }
    }
}
