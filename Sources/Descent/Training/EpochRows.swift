import CDescentSupport
import Dispatch

/// The training rows of one SGD epoch, in the order the epoch visits them, laid out so that
/// batches read memory sequentially.
///
/// A shuffled epoch visits the rows in the order of `EpochShuffle` for (seed, epoch).
/// Instead of gathering those rows at random for every batch (a few cache misses per row,
/// on the critical path of a sequential optimizer), ``prepare(epoch:seed:)`` materialises
/// the epoch once as a row-major copy (features, then the label as `T`: `features + 1`
/// values a row), in three parallel passes that touch memory sequentially or inside the L2 cache:
/// each shard counts its rows per bucket on its own node, then scatters them to their
/// buckets' next free places (in row order), then each bucket is shuffled in place. Batches
/// then stream through the copy.
///
/// Memory: one more copy of the training rows, `rows x (features + 1)` scalars with no
/// padding, interleaved over the NUMA nodes when the rows span several (the scatter writes
/// every bucket from every shard, so no placement makes those writes local). Without
/// shuffling there is no copy: batches read the stored chunk blocks in row order.
final class EpochRows<T: KernelScalar>: @unchecked Sendable {
    package let dataset: Dataset<T>
    /// Values per row in the copy: the features, then the label.
    package let width: Int
    /// The row-major copy of the current epoch, or nil when rows are read in stored order.
    package let copy: UnsafeMutablePointer<T>?
    let buffer: NodeBuffer?
    let executor: ShardedExecutor
    /// Seconds spent materialising copies; the trainer reads and resets it every epoch.
    var copySeconds = 0.0
    /// Each row's bucket, drawn in the counting pass and read back by the scatter (2 bytes a
    /// row, which costs less than hashing the row again); nil past 65,535 buckets.
    let buckets: UnsafeMutablePointer<UInt16>?
    /// One scratch buffer per thread for shuffling a bucket, kept across epochs (a fresh
    /// allocation of this size is a fresh mapping, whose pages the kernel zeroes every time).
    var scratch: [UnsafeMutablePointer<T>] = []
    var scratchScalars = 0

    /// - Parameters:
    ///   - dataset: the training rows.
    ///   - shuffle: whether epochs are shuffled; false allocates nothing.
    ///   - executor: the threads that make each epoch's copy.
    package init(dataset: Dataset<T>, shuffle: Bool, executor: ShardedExecutor) {
        precondition(dataset.rowCount < Int(Int32.max), "SGD supports up to 2^31 - 1 training rows")
        self.dataset = dataset
        self.executor = executor
        width = dataset.featureCount + 1
        let bucketCount = EpochShuffle(count: dataset.rowCount, seed: 0, epoch: 0).bucketCount
        buckets = shuffle && bucketCount <= Int(UInt16.max) ? .allocate(capacity: max(1, dataset.rowCount)) : nil
        if shuffle {
            let scalars = (EpochShuffle.bucketRows * 2) * (dataset.featureCount + 1)
            scratchScalars = scalars
            scratch = (0..<executor.threads).map { _ in .allocate(capacity: scalars) }
            let spread = Set(dataset.placement.shards.compactMap(\.node)).count > 1 || dataset.placement.interleaved
            let buffer = NodeBuffer(
                byteCount: dataset.rowCount * width * MemoryLayout<T>.stride,
                placement: spread ? .interleaved : .anywhere)
            self.buffer = buffer
            copy = buffer.pointer.bindMemory(to: T.self, capacity: max(1, dataset.rowCount * width))
        } else {
            buffer = nil
            copy = nil
        }
    }

    /// Rows ahead of a bucket's write position whose line the scatter prefetches.
    static var writeAhead: Int { 16 }

    /// Materialises the order of `epoch` (nothing to do without shuffling).
    package func prepare(epoch: Int, seed: UInt64) {
        guard let copy else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        let n = dataset.rowCount
        let shuffle = EpochShuffle(count: n, seed: seed, epoch: epoch)
        let buckets = shuffle.bucketCount
        let dataset = self.dataset
        let width = self.width
        let plan = dataset.placement
        let chunkRows = dataset.chunks.chunkRows
        let features = dataset.featureCount
        let labelBytes = dataset.labelBytes
        let shards = plan.shards.count
        // cursors[s * buckets + b]: first rows of bucket b counted by shard s, then the next
        // free place of bucket b for shard s's rows. starts[b]: where bucket b begins.
        let cursors = UnsafeMutablePointer<Int>.allocate(capacity: shards * buckets)
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: buckets + 1)
        defer {
            cursors.deallocate()
            starts.deallocate()
        }
        let box = UncheckedBox((cursors, starts, copy, self.buckets))
        let node: (Int) -> Int? = { plan.node(ofShard: $0) }

        // Pass 1: each shard counts its rows per bucket.
        executor.run(iterations: shards, node: node) { s in
            let count = box.value.0 + s * buckets
            count.initialize(repeating: 0, count: buckets)
            let ids = box.value.3
            for chunk in plan.shards[s].chunks {
                for row in dataset.chunks.rows(ofChunk: chunk) {
                    let b = shuffle.bucket(of: row)
                    ids?[row] = UInt16(truncatingIfNeeded: b)
                    count[b] &+= 1
                }
            }
        }
        // Buckets end to end; inside a bucket, shard 0's rows first: ascending row order.
        var total = 0
        for b in 0..<buckets {
            starts[b] = total
            for s in 0..<shards {
                let count = cursors[s * buckets + b]
                cursors[s * buckets + b] = total
                total += count
            }
        }
        starts[buckets] = total
        // Pass 2: each shard streams through its chunks and appends every row to its bucket.
        executor.run(iterations: shards, node: node) { s in
            let next = box.value.0 + s * buckets
            let target = box.value.2
            let ids = box.value.3
            for chunk in plan.shards[s].chunks {
                let block = dataset.block(chunk)
                let labels = dataset.labels(chunk)
                let rows = dataset.chunks.rows(ofChunk: chunk)
                for local in 0..<rows.count {
                    let row = rows.lowerBound &+ local
                    let b = ids.map { Int($0[row]) } ?? shuffle.bucket(of: row)
                    let place = next[b]
                    next[b] = place &+ 1
                    let to = target + place &* width
                    // The bucket's next lines are fetched ahead: hundreds of buckets are written
                    // at once, more streams than the hardware prefetcher follows.
                    descent_prefetch(to + EpochRows.writeAhead &* width)
                    for j in 0..<features { to[j] = block[j &* chunkRows &+ local] }
                    to[features] = RowSink<T>.scalar(Double(Dataset<T>.packedLabel(labels, local, bytes: labelBytes)))
                }
            }
        }
        // Pass 3: Fisher-Yates inside each bucket. The bucket is first copied to a scratch
        // buffer by a sequential read (which the hardware prefetcher streams), shuffled there,
        // in the L2 cache, and copied back.
        var largest = 0
        for b in 0..<buckets { largest = max(largest, starts[b + 1] - starts[b]) }
        let parts = ChunkPlan.split(buckets, into: min(executor.threads, buckets))
        if largest * width > scratchScalars {
            for buffer in scratch { buffer.deallocate() }
            let scalars = largest * width
            scratchScalars = scalars
            scratch = scratch.map { _ in .allocate(capacity: scalars) }
        }
        let buffers = UncheckedBox(scratch)
        executor.run(iterations: parts.count) { q in
            let starts = box.value.1
            let target = box.value.2
            let scratch = buffers.value[q]
            for b in parts[q] {
                let region = target + starts[b] &* width
                let size = starts[b + 1] - starts[b]
                scratch.update(from: region, count: size * width)
                var step = size - 1
                while step > 0 {
                    let a = scratch + step &* width
                    let other = scratch + shuffle.swapPartner(bucket: b, step: step) &* width
                    for j in 0..<width {
                        let t = a[j]
                        a[j] = other[j]
                        other[j] = t
                    }
                    step -= 1
                }
                region.update(from: scratch, count: size * width)
            }
        }
        copySeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    deinit {
        for buffer in scratch { buffer.deallocate() }
        buckets?.deallocate()
    }

    /// The values at position `position` of the current epoch: the features, then the label.
    package func values(at position: Int) -> [T] {
        precondition(position >= 0 && position < dataset.rowCount, "position out of range")
        if let copy { return (0..<width).map { copy[position * width + $0] } }
        return dataset.features(ofRow: position) + [T(dataset.label(position))]
    }
}
