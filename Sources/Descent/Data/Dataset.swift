/// Labelled rows stored as structure of arrays, in blocks of one chunk each, placed on the
/// NUMA node of the shard that owns them.
///
/// Chunk c is a block: feature 0 of the chunk's rows (`chunkRows` scalars), then feature 1,
/// ..., then the labels. The bias is the last weight of the model; the tutorial's column of
/// ones is implied by the kernels and never stored. The last chunk is padded with zeros.
///
/// The labels are packed: each row's class index as a 1-byte integer (up to 256 classes) or a
/// 2-byte one (up to ``maximumClasses``), after the feature columns (`labels(_:)`,
/// `labelBytes`). A full-batch epoch reads `featureCount * MemoryLayout<T>.size +
/// labelBytes` bytes a row instead of `(featureCount + 1) * MemoryLayout<T>.size`: 17 instead
/// of 24 for two float64 features, 9 instead of 12 in float32.
///
/// When `fill` knows the classes (generated data), each chunk is filled with its labels as
/// `T` in a scratch block and copied, packed, into a block that ends after the packed labels
/// (rounded up to a cache line). When they come later (the file readers write label tokens
/// as `T`, which need the full width), the block keeps a label slot of `chunkRows` scalars,
/// and `setLabels(_:parts:classCount:executor:)` packs the classes at its
/// start.
public final class Dataset<T: KernelScalar>: @unchecked Sendable {
    public let rowCount: Int
    public let featureCount: Int
    /// The number of classes (set by loaders once the labels are known, before training).
    public internal(set) var classCount: Int
    /// Bytes of each class index in the packed label column (1 up to 256 classes, else 2);
    /// 0 while the label slots still hold `T` values (the file readers' tokens, before
    /// `setLabels(_:parts:classCount:executor:)` packs them).
    package internal(set) var labelBytes: Int
    /// Where each block's row weights start, in scalars from the block's start (one `T` a
    /// row, `chunkRows` of them, after the labels); nil when the rows are unweighted. Each
    /// row's loss and gradient are multiplied by its weight (`--class-weight`,
    /// `--weight-column`); padding rows weigh 0.
    @usableFromInline package let weightOffset: Int?
    /// Whether the label slots hold regression targets (one `T` a row, never packed) rather
    /// than classes: set by the readers of a regression run (`labelBytes` stays 0).
    public package(set) var holdsTargets = false
    /// The most classes a dataset holds: its packed labels are at most 2 bytes.
    public static var maximumClasses: Int { RunConfiguration.maximumClasses }
    @usableFromInline package let chunks: ChunkPlan
    package let placement: PlacementPlan
    /// One buffer per shard.
    package let buffers: [NodeBuffer]
    /// The block of each chunk.
    @usableFromInline let blocks: UnsafeMutablePointer<UnsafeMutablePointer<T>>
    /// log2 of the chunk size (a power of two), so a row's chunk is a shift away.
    @usableFromInline let chunkShift: Int
    /// This process's part of a multi-process run (nil: it holds every chunk).
    package let share: RankShare?
    /// The features in compressed-row form (a sparse dataset, read from an svmlight file);
    /// nil for a dense one, whose blocks hold the feature columns. A sparse dataset's blocks
    /// hold only the labels (and row weights): ``storedColumns`` is 0.
    package let sparse: SparseRows<T>?
    /// Feature columns stored in each block: ``featureCount`` for a dense dataset, 0 for a
    /// sparse one.
    @usableFromInline package let storedColumns: Int
    /// Where the chunks of other ranks point: one zeroed block that readers may write rows
    /// they do not keep into (nil without ranks).
    let discard: UnsafeMutablePointer<T>?

    /// The chunks this process holds: all of them, except on a rank of a multi-process run.
    package var ownedChunks: Range<Int> { share?.owned ?? 0..<chunks.chunkCount }

    /// Scalars between one feature's column and the next inside a block.
    @inlinable package var blockStride: Int { chunks.chunkRows }
    /// Bytes of feature and label data per row (what a full-batch epoch reads).
    package var bytesPerRow: Int {
        storedColumns * MemoryLayout<T>.stride + (labelBytes == 0 ? MemoryLayout<T>.stride : labelBytes)
    }

    /// Bytes of each packed class index for `classCount` classes.
    package static func labelBytes(classCount: Int) -> Int { classCount <= 256 ? 1 : 2 }

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
    ///     chunk's global rows and a zeroed full block to fill (`block[j * stride + i]` is
    ///     feature j of local row i; `block[featureCount * stride + i]` is its label, a class
    ///     index as `T`): the chunk's own block, or with `packingLabels` a scratch block copied
    ///     to it packed. It must be safe to call concurrently for different chunks.
    ///   - packingLabels: whether `fill` writes the class indices, which are then packed chunk
    ///     by chunk; false when the labels come later (the file readers write tokens, and
    ///     `setLabels(_:parts:classCount:executor:)` packs the classes).
    ///   - weighted: whether the rows have weights: `fill` then writes row i's weight at
    ///     `block[(featureCount + 1) * stride + i]` (the slot after the label's).
    ///   - sparse: the rows of a sparse dataset (``SparseRows``), laid out on this chunk plan
    ///     and placement: the blocks then hold no feature columns (`fill` writes row i's
    ///     label at `block[i]`). Not with ranks.
    package init(
        rowCount: Int, featureCount: Int, classCount: Int, chunkRows: Int = ChunkPlan.defaultChunkRows,
        placement policy: NUMAPolicy = .auto, topology: Topology = .current, executor: ShardedExecutor,
        ranks: RankGroup? = nil, packingLabels: Bool = true, weighted: Bool = false,
        sparse: SparseRows<T>? = nil,
        fill: (_ rows: Range<Int>, _ block: UnsafeMutablePointer<T>, _ stride: Int) -> Void
    ) {
        precondition(featureCount >= 1 && classCount >= 1, "a dataset needs features and classes")
        precondition(sparse == nil || ranks == nil, "sparse rows: one process")
        self.featureCount = featureCount
        // The block layout below counts the stored columns: none for sparse rows.
        let featureCount = sparse == nil ? featureCount : 0
        storedColumns = featureCount
        precondition(!packingLabels || classCount <= Dataset.maximumClasses, "at most 65,536 classes")
        self.rowCount = rowCount
        self.classCount = classCount
        let labelBytes = packingLabels ? Dataset.labelBytes(classCount: classCount) : 0
        self.labelBytes = labelBytes
        chunks = ChunkPlan(rowCount: rowCount, chunkRows: chunkRows)
        chunkShift = chunkRows.trailingZeroBitCount
        let share = ranks?.share(chunkCount: chunks.chunkCount)
        self.share = share
        let owned = share?.owned ?? 0..<chunks.chunkCount
        var plan = PlacementPlan(
            chunkCount: owned.count, shardCount: executor.threads,
            topology: topology, policy: policy)
        if owned.lowerBound != 0 {
            for s in plan.shards.indices {
                plan.shards[s].chunks =
                    plan.shards[s].chunks.lowerBound + owned.lowerBound..<plan.shards[s].chunks.upperBound
                    + owned.lowerBound
            }
        }
        placement = plan
        precondition(
            sparse == nil || sparse!.shardChunks == plan.shards.map(\.chunks), "sparse rows on the dataset's shards")
        self.sparse = sparse
        // A block packed from the start (labels known to `fill`) ends after its packed labels,
        // rounded up to a cache line; one whose labels come later keeps a full slot for the
        // readers' tokens. (Feature columns are whole cache lines: chunkRows is a multiple of 16.)
        // With weights, their column follows: right after the label slot, or after the packed
        // labels' cache lines.
        let fullScalars = (featureCount + 1 + (weighted ? 1 : 0)) * chunkRows
        let labelScalars =
            labelBytes == 0
            ? (featureCount + 1) * chunkRows
            : featureCount * chunkRows + (chunkRows * labelBytes + 63) / 64 * 64 / MemoryLayout<T>.stride
        let weightOffset = weighted ? labelScalars : nil
        self.weightOffset = weightOffset
        let blockScalars = labelScalars + (weighted ? chunkRows : 0)
        let chunkCount = chunks.chunkCount
        if share != nil {
            let discard = UnsafeMutablePointer<T>.allocate(capacity: blockScalars)
            discard.initialize(repeating: 0, count: blockScalars)
            self.discard = discard
        } else {
            discard = nil
        }
        buffers = plan.shards.map { shard in
            let placementOfShard: MemoryPlacement =
                plan.interleaved ? .interleaved : (shard.node.map { .node($0) } ?? .anywhere)
            return NodeBuffer(
                byteCount: shard.chunks.count * blockScalars * MemoryLayout<T>.stride, placement: placementOfShard)
        }
        blocks = .allocate(capacity: max(1, chunkCount))
        if let discard { blocks.initialize(repeating: discard, count: chunkCount) }
        for (shard, buffer) in zip(plan.shards, buffers) {
            let base = buffer.pointer.bindMemory(to: T.self, capacity: shard.chunks.count * blockScalars)
            for (k, chunk) in shard.chunks.enumerated() { blocks[chunk] = base + k * blockScalars }
        }
        let shards = plan
        let chunkPlan = chunks
        let chunkBlocks = blocks
        executor.run(iterations: plan.shards.count, node: { shards.node(ofShard: $0) }) { s in
            guard labelBytes != 0 else {
                for chunk in shards.shards[s].chunks {
                    let block = chunkBlocks[chunk]
                    block.initialize(repeating: 0, count: blockScalars)
                    fill(chunkPlan.rows(ofChunk: chunk), block, chunkRows)
                }
                return
            }
            // `fill` writes a full block (labels as T) into this thread's scratch (in L2),
            // which is copied to the compact block: features as they are, labels packed.
            let scratch = UnsafeMutablePointer<T>.allocate(capacity: fullScalars)
            defer { scratch.deallocate() }
            let featureScalars = featureCount * chunkRows
            for chunk in shards.shards[s].chunks {
                let block = chunkBlocks[chunk]
                scratch.initialize(repeating: 0, count: fullScalars)
                fill(chunkPlan.rows(ofChunk: chunk), scratch, chunkRows)
                block.initialize(from: scratch, count: featureScalars)
                (block + featureScalars).initialize(repeating: 0, count: blockScalars - featureScalars)
                if let weightOffset {
                    (block + weightOffset).update(from: scratch + featureScalars + chunkRows, count: chunkRows)
                }
                Dataset.pack(
                    scratch + featureScalars, count: chunkRows, bytes: labelBytes,
                    into: UnsafeMutableRawPointer(block + featureScalars)
                ) { RowSink<T>.integer($0) }
            }
        }
    }

    deinit {
        blocks.deallocate()
        discard?.deallocate()
    }

    /// The block holding chunk `chunk`.
    @inlinable @inline(__always)
    package func block(_ chunk: Int) -> UnsafeMutablePointer<T> { blocks[chunk] }

    /// The label column of chunk `chunk`: `labelBytes` bytes a row once packed (before that,
    /// one `T` a row).
    @inlinable @inline(__always)
    package func labels(_ chunk: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(blocks[chunk] + storedColumns &* chunks.chunkRows)
    }

    /// Where row `row` starts: feature j is at `rowBase(row)[j * chunkRows]`; its label is
    /// ``label(_:)`` (before packing, `rowBase(row)[featureCount * chunkRows]`).
    @inlinable @inline(__always)
    package func rowBase(_ row: Int) -> UnsafeMutablePointer<T> {
        blocks[row &>> chunkShift] + (row & (chunks.chunkRows - 1))
    }

    /// Feature `feature` of row `row`.
    public func feature(_ row: Int, _ feature: Int) -> T {
        guard let sparse else { return rowBase(row)[feature * chunks.chunkRows] }
        let chunk = row &>> chunkShift
        let local = row & (chunks.chunkRows - 1)
        let offsets = sparse.offsets(chunk)
        let indices = sparse.indices(chunk)
        // The row's indices increase: a binary search.
        var lo = offsets[local]
        var hi = offsets[local + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(indices[mid]) < feature { lo = mid + 1 } else { hi = mid }
        }
        return lo < offsets[local + 1] && Int(indices[lo]) == feature ? sparse.values(chunk)[lo] : 0
    }

    /// The row weights of chunk `chunk` (`chunkRows` values), nil when the rows are unweighted.
    @inlinable @inline(__always)
    package func rowWeights(_ chunk: Int) -> UnsafeMutablePointer<T>? {
        weightOffset.map { blocks[chunk] + $0 }
    }

    /// Marks the label slots as regression targets (one model output, no classes to pack).
    package func holdTargets() {
        holdsTargets = true
        classCount = 1
    }

    /// The regression target of row `row` (``holdsTargets``).
    public func target(_ row: Int) -> T { rowBase(row)[storedColumns &* chunks.chunkRows] }

    /// The weight of row `row` (1 when the rows are unweighted).
    public func weight(_ row: Int) -> T {
        guard let weightOffset else { return 1 }
        return rowBase(row)[weightOffset]
    }

    /// The label (class index) of row `row`.
    public func label(_ row: Int) -> Int {
        let local = row & (chunks.chunkRows - 1)
        let column = labels(row &>> chunkShift)
        if labelBytes == 0 { return RowSink<T>.integer(column.assumingMemoryBound(to: T.self)[local]) }
        return Dataset.packedLabel(column, local, bytes: labelBytes)
    }

    /// Entry `i` of a packed label column of `bytes`-byte class indices (1 or 2).
    @inlinable @inline(__always)
    package static func packedLabel(_ column: UnsafeRawPointer, _ i: Int, bytes: Int) -> Int {
        bytes == 1
            ? Int(column.load(fromByteOffset: i, as: UInt8.self))
            : Int(column.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
    }

    /// Packs the labels: replaces each chunk's `T` label slots by their class indices of
    /// ``labelBytes(classCount:)`` bytes, from `classOf(slot value)`, on the shards' threads.
    /// Rows past a chunk's end (the last chunk's padding) get class 0.
    func packLabels(executor: ShardedExecutor, _ classOf: @escaping (T) -> Int) {
        precondition(
            labelBytes == 0 && classCount <= Dataset.maximumClasses, "labels packed once, at most 65,536 classes")
        let bytes = Dataset.labelBytes(classCount: classCount)
        let plan = placement
        let chunks = self.chunks
        let d = storedColumns
        executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
            for chunk in plan.shards[s].chunks {
                let rows = chunks.rows(ofChunk: chunk).count
                let slots = self.block(chunk) + d * chunks.chunkRows
                Dataset.pack(slots, count: rows, bytes: bytes, into: UnsafeMutableRawPointer(slots), classOf)
                // The padding (never mapped: its slots hold no token).
                let column = self.labels(chunk)
                for i in rows..<chunks.chunkRows {
                    if bytes == 1 {
                        column.storeBytes(of: 0, toByteOffset: i, as: UInt8.self)
                    } else {
                        column.storeBytes(of: 0, toByteOffset: 2 * i, as: UInt16.self)
                    }
                }
            }
        }
        labelBytes = bytes
    }

    /// Writes `count` `T` slots from `slots` as `bytes`-byte integers `classOf(slot)` to
    /// `raw`, which may be the slots' own address: forward order is safe in place, since
    /// integer i lies inside slot i or an earlier one, already read.
    @inline(__always)
    static func pack(
        _ slots: UnsafePointer<T>, count: Int, bytes: Int, into raw: UnsafeMutableRawPointer, _ classOf: (T) -> Int
    ) {
        if bytes == 1 {
            for i in 0..<count {
                raw.storeBytes(of: UInt8(truncatingIfNeeded: classOf(slots[i])), toByteOffset: i, as: UInt8.self)
            }
        } else {
            for i in 0..<count {
                raw.storeBytes(of: UInt16(truncatingIfNeeded: classOf(slots[i])), toByteOffset: 2 &* i, as: UInt16.self)
            }
        }
    }

    /// Row `row` as an array of its features.
    public func features(ofRow row: Int) -> [T] { (0..<featureCount).map { feature(row, $0) } }

    /// Rows of each class.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for row in 0..<rowCount { counts[label(row)] += 1 }
        return counts
    }
}

extension Dataset {
    /// Where the pages of this dataset's shards are, asked of the kernel page by page.
    package func placementReport() -> PlacementReport { PlacementReport.inspect(placement, buffers: buffers) }
}
