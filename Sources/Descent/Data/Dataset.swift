/// Labelled rows stored as structure of arrays, in blocks of one chunk each, placed on the
/// NUMA node of the shard that owns them.
///
/// Chunk c is a block of `(featureCount + 1) * chunkRows` scalars: feature 0 of the chunk's
/// rows, then feature 1, ..., then the labels (a class index stored as a float: 0 or 1 for
/// binary problems). The bias is the last weight of the model; the tutorial's column of
/// ones is implied by the kernels and never stored. The last chunk is padded with zeros.
public final class Dataset<T: KernelScalar>: @unchecked Sendable {
    public let rowCount: Int
    public let featureCount: Int
    /// The number of classes (set by loaders once the labels are known, before training).
    public internal(set) var classCount: Int
    public let chunks: ChunkPlan
    public let placement: PlacementPlan
    /// One buffer per shard.
    public let buffers: [NodeBuffer]
    /// The block of each chunk.
    @usableFromInline let blocks: UnsafeMutablePointer<UnsafeMutablePointer<T>>
    /// log2 of the chunk size (a power of two), so a row's chunk is a shift away.
    @usableFromInline let chunkShift: Int
    /// This process's part of a multi-process run (nil: it holds every chunk).
    public let share: RankShare?
    /// Where the chunks of other ranks point: one zeroed block that readers may write rows
    /// they do not keep into (nil without ranks).
    let discard: UnsafeMutablePointer<T>?

    /// The chunks this process holds: all of them, except on a rank of a multi-process run.
    public var ownedChunks: Range<Int> { share?.owned ?? 0..<chunks.chunkCount }

    /// Scalars between one feature's column and the next inside a block.
    @inlinable public var blockStride: Int { chunks.chunkRows }
    /// Bytes of feature and label data per row (what a full-batch epoch reads).
    public var bytesPerRow: Int { (featureCount + 1) * MemoryLayout<T>.stride }

    /// Allocates the dataset's shards and fills each chunk on its shard's node.
    ///
    /// - Parameters:
    ///   - rowCount: the rows.
    ///   - featureCount: features per row (at least 1).
    ///   - classCount: the number of classes (at least 1).
    ///   - chunkRows: rows per chunk, a power of two; the same for every thread count.
    ///   - policy: NUMA placement of the shards.
    ///   - topology: the machine's NUMA layout.
    ///   - executor: one shard per thread.
    ///   - ranks: the ranks of a multi-process run: this process then allocates and fills
    ///     only the chunks it owns (``RankGroup/share(chunkCount:)``); nil for all of them.
    ///   - fill: called once per chunk, from the thread bound to the chunk's node, with the
    ///     chunk's global rows and its block (`block[j * stride + i]` is feature j of local
    ///     row i; `block[featureCount * stride + i]` is its label). It must be safe to call
    ///     concurrently for different chunks.
    public init(rowCount: Int, featureCount: Int, classCount: Int, chunkRows: Int = ChunkPlan.defaultChunkRows,
                placement policy: NUMAPolicy = .auto, topology: Topology = .current, executor: ShardedExecutor,
                ranks: RankGroup? = nil,
                fill: (_ rows: Range<Int>, _ block: UnsafeMutablePointer<T>, _ stride: Int) -> Void) {
        precondition(featureCount >= 1 && classCount >= 1, "a dataset needs features and classes")
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.classCount = classCount
        chunks = ChunkPlan(rowCount: rowCount, chunkRows: chunkRows)
        chunkShift = chunkRows.trailingZeroBitCount
        let share = ranks?.share(chunkCount: chunks.chunkCount)
        self.share = share
        let owned = share?.owned ?? 0..<chunks.chunkCount
        var plan = PlacementPlan(chunkCount: owned.count, shardCount: executor.threads,
                                 topology: topology, policy: policy)
        if owned.lowerBound != 0 {
            for s in plan.shards.indices { plan.shards[s].chunks = plan.shards[s].chunks.lowerBound + owned.lowerBound..<plan.shards[s].chunks.upperBound + owned.lowerBound }
        }
        placement = plan
        let blockScalars = (featureCount + 1) * chunkRows
        let chunkCount = chunks.chunkCount
        if share != nil {
            let discard = UnsafeMutablePointer<T>.allocate(capacity: blockScalars)
            discard.initialize(repeating: 0, count: blockScalars)
            self.discard = discard
        } else {
            discard = nil
        }
        buffers = plan.shards.map { shard in
            let where_: MemoryPlacement = plan.interleaved ? .interleaved : (shard.node.map { .node($0) } ?? .anywhere)
            return NodeBuffer(byteCount: shard.chunks.count * blockScalars * MemoryLayout<T>.stride, placement: where_)
        }
        blocks = .allocate(capacity: max(1, chunkCount))
        if let discard { blocks.initialize(repeating: discard, count: chunkCount) }
        for (shard, buffer) in zip(plan.shards, buffers) {
            let base = buffer.pointer.bindMemory(to: T.self, capacity: shard.chunks.count * blockScalars)
            for (k, chunk) in shard.chunks.enumerated() { blocks[chunk] = base + k * blockScalars }
        }
        let plan_ = plan, chunks_ = chunks, blocks_ = blocks
        executor.run(iterations: plan.shards.count, node: { plan_.node(ofShard: $0) }) { s in
            for chunk in plan_.shards[s].chunks {
                let block = blocks_[chunk]
                block.initialize(repeating: 0, count: blockScalars)
                fill(chunks_.rows(ofChunk: chunk), block, chunkRows)
            }
        }
    }

    deinit {
        blocks.deallocate()
        discard?.deallocate()
    }

    /// The block holding chunk `chunk`.
    @inlinable @inline(__always)
    public func block(_ chunk: Int) -> UnsafeMutablePointer<T> { blocks[chunk] }

    /// Where row `row` starts: feature j is at `rowBase(row)[j * chunkRows]` and the label at
    /// `rowBase(row)[featureCount * chunkRows]`.
    @inlinable @inline(__always)
    public func rowBase(_ row: Int) -> UnsafeMutablePointer<T> {
        blocks[row &>> chunkShift] + (row & (chunks.chunkRows - 1))
    }

    /// Feature `feature` of row `row`.
    @inlinable
    public func feature(_ row: Int, _ feature: Int) -> T { rowBase(row)[feature * chunks.chunkRows] }

    /// The label (class index) of row `row`.
    @inlinable
    public func label(_ row: Int) -> Int { Int(rowBase(row)[featureCount * chunks.chunkRows]) }

    /// Row `row` as an array of its features.
    public func features(ofRow row: Int) -> [T] { (0..<featureCount).map { feature(row, $0) } }

    /// Rows of each class.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for row in 0..<rowCount { counts[label(row)] += 1 }
        return counts
    }
}
