/// The features of a sparse dataset in compressed-row form, chunk by chunk, each chunk on
/// the NUMA node of the shard that owns it (the shards of ``Dataset/placement``).
///
/// Chunk c holds rows `c * chunkRows ..< (c + 1) * chunkRows`: `offsets(c)[i] ..< offsets(c)[i + 1]`
/// are row i's entries, counted from the chunk's first entry; `indices(c)` holds their
/// feature indices (0-based, increasing inside a row) and `values(c)` their values, in the
/// run's precision. Rows past the dataset's end (the last chunk's padding) are empty.
/// A dataset costs its entries (4 bytes of index and one scalar each) and one 8-byte offset a
/// row; the labels and row weights stay in the dataset's blocks.
package final class SparseRows<T: KernelScalar>: @unchecked Sendable {
    /// The entries of every chunk this process holds.
    package let entryCount: Int
    package let buffers: [NodeBuffer]
    /// The chunks of each shard (those of the dataset's placement plan).
    package let shardChunks: [Range<Int>]
    /// Rows a chunk (the offsets of each chunk are `chunkRows + 1`).
    let chunkRows: Int
    @usableFromInline let offsetTable: UnsafeMutablePointer<UnsafeMutablePointer<Int>>
    @usableFromInline let indexTable: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>>
    @usableFromInline let valueTable: UnsafeMutablePointer<UnsafeMutablePointer<T>>

    /// Bytes of one chunk's storage for `entries` entries and `chunkRows` rows (offsets,
    /// indices and values, each part starting on a cache line).
    static func chunkBytes(entries: Int, chunkRows: Int) -> Int {
        func line(_ n: Int) -> Int { (n + 63) / 64 * 64 }
        return line((chunkRows + 1) * 8) + line(entries * 4) + line(entries * MemoryLayout<T>.stride)
    }

    /// Allocates the storage of each shard's chunks on the shard's node and fills the offsets
    /// from `entriesOfRow` (the entries of each of the dataset's rows, in row order).
    package init(
        chunks: ChunkPlan, placement plan: PlacementPlan, entriesOfRow: UnsafeBufferPointer<Int32>,
        executor: ShardedExecutor
    ) {
        let chunkCount = chunks.chunkCount
        var entriesOfChunk = [Int](repeating: 0, count: chunkCount)
        for chunk in 0..<chunkCount {
            var total = 0
            for row in chunks.rows(ofChunk: chunk) { total += Int(entriesOfRow[row]) }
            entriesOfChunk[chunk] = total
        }
        entryCount = entriesOfChunk.reduce(0, +)
        offsetTable = .allocate(capacity: max(1, chunkCount))
        indexTable = .allocate(capacity: max(1, chunkCount))
        valueTable = .allocate(capacity: max(1, chunkCount))
        let chunkRows = chunks.chunkRows
        var buffers: [NodeBuffer] = []
        for shard in plan.shards {
            let bytes = shard.chunks.reduce(0) {
                $0 + SparseRows.chunkBytes(entries: entriesOfChunk[$1], chunkRows: chunkRows)
            }
            let placement: MemoryPlacement =
                plan.interleaved ? .interleaved : (shard.node.map { .node($0) } ?? .anywhere)
            let buffer = NodeBuffer(byteCount: bytes, placement: placement)
            var at = buffer.pointer
            for chunk in shard.chunks {
                let entries = entriesOfChunk[chunk]
                func line(_ n: Int) -> Int { (n + 63) / 64 * 64 }
                offsetTable[chunk] = at.bindMemory(to: Int.self, capacity: chunkRows + 1)
                at += line((chunkRows + 1) * 8)
                indexTable[chunk] = at.bindMemory(to: UInt32.self, capacity: max(1, entries))
                at += line(entries * 4)
                valueTable[chunk] = at.bindMemory(to: T.self, capacity: max(1, entries))
                at += line(entries * MemoryLayout<T>.stride)
            }
            buffers.append(buffer)
        }
        self.buffers = buffers
        shardChunks = plan.shards.map(\.chunks)
        self.chunkRows = chunkRows
        let offsets = UncheckedBox(offsetTable)
        let counts = UncheckedBox(entriesOfRow.baseAddress)
        // The offsets are written (first touched) by the thread bound to each shard's node.
        executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
            for chunk in plan.shards[s].chunks {
                let rows = chunks.rows(ofChunk: chunk)
                let o = offsets.value[chunk]
                var total = 0
                o[0] = 0
                for i in 0..<chunkRows {
                    if i < rows.count, let base = counts.value { total += Int(base[rows.lowerBound + i]) }
                    o[i + 1] = total
                }
            }
        }
    }

    deinit {
        offsetTable.deallocate()
        indexTable.deallocate()
        valueTable.deallocate()
    }

    /// Subtracts 1 from every index (a one-based file's, read as written), shard by shard.
    func shiftIndicesDown(executor: ShardedExecutor) {
        let shards = shardChunks
        let chunkRows = self.chunkRows
        executor.run(iterations: shards.count) { s in
            for chunk in shards[s] {
                let indices = self.indices(chunk)
                for e in 0..<self.offsets(chunk)[chunkRows] { indices[e] -= 1 }
            }
        }
    }

    /// Row offsets of chunk `chunk` (`chunkRows + 1` of them).
    @inlinable @inline(__always)
    package func offsets(_ chunk: Int) -> UnsafeMutablePointer<Int> { offsetTable[chunk] }
    /// Feature indices of chunk `chunk`'s entries.
    @inlinable @inline(__always)
    package func indices(_ chunk: Int) -> UnsafeMutablePointer<UInt32> { indexTable[chunk] }
    /// Values of chunk `chunk`'s entries.
    @inlinable @inline(__always)
    package func values(_ chunk: Int) -> UnsafeMutablePointer<T> { valueTable[chunk] }
}
