import Dispatch

#if os(Linux)
import CNuma
#endif

/// STREAM-style read bandwidth: sums a large buffer with SIMD loads and four accumulators,
/// and reports bytes read per second of the best of several passes.
package enum BandwidthProbe {
    /// Read bandwidth in bytes per second of `threads` threads over `bytes` bytes of plain
    /// (first-touched) memory, best of `repeats` passes.
    package static func read(bytes: Int, threads: Int, repeats: Int = 5) -> Double {
        let executor = ShardedExecutor(threads: threads)
        let words = max(threads * 64, bytes / 8) / 64 * 64
        let buffer = NodeBuffer(byteCount: words * 8, placement: .anywhere)
        let base = UncheckedBox(buffer.pointer.bindMemory(to: Double.self, capacity: words))
        executor.run(iterations: threads) { t in
            let range = ChunkPlan.split(words / 64, into: threads)[t]
            (base.value + range.lowerBound * 64).initialize(repeating: 1, count: range.count * 64)
        }
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            executor.run(iterations: threads) { t in
                let range = ChunkPlan.split(words / 64, into: threads)[t]
                sink(sum(base.value + range.lowerBound * 64, count: range.count * 64))
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return Double(words * 8) / best
    }

    /// Read bandwidth from the CPUs of each node (rows) to memory on each node (columns),
    /// one thread, bytes per second. Without libnuma or with one node: a 1 x 1 matrix.
    package static func nodeMatrix(bytes: Int, topology: Topology = .current) -> [[Double]] {
        let cpuNodes = topology.nodesWithCPUs
        let memoryNodes = topology.nodes.filter { $0.memoryBytes > 0 }
        guard topology.libnumaActive, !cpuNodes.isEmpty, !memoryNodes.isEmpty else {
            return [[read(bytes: bytes, threads: 1)]]
        }
        return cpuNodes.map { cpu in
            memoryNodes.map { memory in
                var rate = 0.0
                ShardedExecutor(threads: 1).run(iterations: 1, node: { _ in cpu.id }) { _ in
                    let words = max(64, bytes / 8) / 64 * 64
                    let buffer = NodeBuffer(byteCount: words * 8, placement: .node(memory.id))
                    let p = buffer.pointer.bindMemory(to: Double.self, capacity: words)
                    p.initialize(repeating: 1, count: words)
                    var best = Double.infinity
                    for _ in 0..<3 {
                        let start = DispatchTime.now().uptimeNanoseconds
                        sink(sum(p, count: words))
                        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    }
                    rate = Double(words * 8) / best
                }
                return rate
            }
        }
    }

    @inline(never)
    static func sum(_ p: UnsafePointer<Double>, count: Int) -> Double {
        var a0 = SIMD8<Double>(repeating: 0)
        var a1 = a0
        var a2 = a0
        var a3 = a0
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 32 <= count {
            a0 += raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            a1 += raw.loadUnaligned(fromByteOffset: (i + 8) * 8, as: SIMD8<Double>.self)
            a2 += raw.loadUnaligned(fromByteOffset: (i + 16) * 8, as: SIMD8<Double>.self)
            a3 += raw.loadUnaligned(fromByteOffset: (i + 24) * 8, as: SIMD8<Double>.self)
            i += 32
        }
        while i < count {
            a0[0] += p[i]
            i += 1
        }
        return ((a0 + a1) + (a2 + a3)).sum()
    }

    @inline(never)
    static func sink(_ value: Double) {
        if value == -1.2345e-300 { print(value) }
    }
}
