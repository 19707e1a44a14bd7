import CDescentSupport
import Dispatch

/// One SGD worker's window of a block-shuffled epoch (``BlockShuffle``): the rows of the
/// window in block-sequence order, copied from the stored chunk blocks (sequential reads of
/// each feature's column) into rows, and the window's visiting order. Batches gather their
/// rows from it, through the order, inside the cache; no copy of the whole epoch is made.
///
/// Layout: row-major, `features + 1` values a row, the features then the class index as `T`
/// (as the shuffled copy of `--shuffle full`): a gathered row is one or two cache lines,
/// where a column-major window would touch a line per feature (measured: at 20 features the
/// gather cost three times the kernel).
final class BlockWindow<T: KernelScalar>: @unchecked Sendable {
    let features: Int
    /// Values a row: the features, then the label.
    let width: Int
    let values: UnsafeMutablePointer<T>
    /// Position t of the window visits the window's row `order[t]`.
    let order: UnsafeMutablePointer<UInt32>
    /// The positions of the block sequence the window holds now (empty before the first).
    var loaded: Range<Int> = 0..<0
    /// The epoch of the loaded window.
    var epoch = -1
    /// Seconds spent loading windows since the trainer last reset it.
    var loadSeconds = 0.0

    init(features: Int, windowRows: Int) {
        self.features = features
        width = features + 1
        values = .allocate(capacity: max(1, windowRows) * (features + 1))
        order = .allocate(capacity: max(1, windowRows))
    }

    deinit {
        values.deallocate()
        order.deallocate()
    }

    /// Makes the window holding `position` of worker `share`'s positions current, for `epoch`.
    @inline(__always)
    func ensure(position: Int, share: Range<Int>, shuffle: BlockShuffle, epoch: Int, dataset: Dataset<T>) {
        if epoch == self.epoch && loaded.contains(position) { return }
        let first = share.lowerBound + (position - share.lowerBound) / shuffle.windowRows * shuffle.windowRows
        load(first..<min(first + shuffle.windowRows, share.upperBound), shuffle: shuffle, dataset: dataset)
        self.epoch = epoch
    }

    /// Copies the rows of positions `window` and draws their order.
    func load(_ window: Range<Int>, shuffle: BlockShuffle, dataset: Dataset<T>) {
        let started = DispatchTime.now().uptimeNanoseconds
        let chunkRows = dataset.chunks.chunkRows
        let labelBytes = dataset.labelBytes
        precondition(labelBytes == 1 || labelBytes == 2, "SGD trains on class indices packed in 1 or 2 bytes")
        let features = self.features
        let width = self.width
        var position = window.lowerBound
        var next = shuffle.run(at: position)
        while position < window.upperBound {
            let (row, length) = next
            let count = min(length, window.upperBound - position)
            if position + count < window.upperBound {
                // The next block's lines are fetched while this one is copied: blocks come in a
                // random order, so the hardware prefetcher starts cold on every one.
                next = shuffle.run(at: position + count)
                BlockWindow.prefetch(
                    row: next.row, count: min(next.length, window.upperBound - position - count), dataset: dataset)
            }
            let chunk = row / chunkRows
            let local = row - chunk * chunkRows
            let block = UnsafePointer(dataset.block(chunk)) + local
            let to = values + (position - window.lowerBound) &* width
            let packed = UnsafeRawPointer(dataset.labels(chunk))
            // In tiles of 32 rows, so that the rows being written stay in L1 across the columns.
            var tile = 0
            while tile < count {
                let end = min(count, tile &+ 32)
                for j in 0..<features {
                    let column = block + j &* chunkRows
                    let out = to + j
                    for i in tile..<end { out[i &* width] = column[i] }
                }
                let out = to + features
                for i in tile..<end {
                    out[i &* width] = RowSink<T>.scalar(
                        Double(Dataset<T>.packedLabel(packed, local &+ i, bytes: labelBytes)))
                }
                tile = end
            }
            position += count
        }
        shuffle.windowOrder(start: window.lowerBound, size: window.count, into: order)
        loaded = window
        loadSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    /// Prefetches the features and labels of stored rows `row ..< row + count` (inside one chunk).
    @inline(__always)
    static func prefetch(row: Int, count: Int, dataset: Dataset<T>) {
        let chunkRows = dataset.chunks.chunkRows
        let chunk = row / chunkRows
        let local = row - chunk * chunkRows
        let block = UnsafeRawPointer(dataset.block(chunk) + local)
        let bytes = count * MemoryLayout<T>.stride
        let columnBytes = chunkRows * MemoryLayout<T>.stride
        for j in 0..<dataset.featureCount {
            let column = block + j &* columnBytes
            var offset = 0
            while offset < bytes {
                descent_prefetch(column + offset)
                offset &+= 64
            }
        }
        descent_prefetch(UnsafeRawPointer(dataset.labels(chunk)) + local &* dataset.labelBytes)
    }

    /// The row visited at window position `t`: its features, then its label.
    @inline(__always)
    func row(_ t: Int) -> UnsafePointer<T> { UnsafePointer(values + Int(order[t]) &* width) }
}
