/// The order in which a block-shuffled SGD epoch (`--shuffle blocks`) visits the training
/// rows: the two-level shuffle of CorgiPile (Xu et al., SIGMOD 2022), on rows that already
/// sit in a seeded random order after loading (the split is a permutation: the offline
/// shuffle of Corgi^2, Livne et al. 2023).
///
/// - The stored rows are cut into blocks of ``blockRows`` consecutive rows (256, or fewer for
///   fewer than 16,384 rows; the last block may be shorter). Each epoch lays the blocks end to end in a uniform permutation (Fisher-Yates,
///   keyed by (seed, epoch)): the epoch's *block sequence*, whose position p holds one stored
///   row. (A keyed Feistel permutation, as the split uses, needs no array, but on a few blocks
///   its places are far from uniform: chi-square 693 against a bound of 68 for 6 blocks.)
/// - Worker k of K takes positions `k n / K ..< (k + 1) n / K` of it (one worker: all).
/// - Each worker's positions are cut into *windows* of ``windowRows`` positions from its
///   first one (the last may be shorter). The rows of a window are shuffled by a
///   Fisher-Yates shuffle keyed by (seed, epoch, the window's first position), and the worker
///   visits them in that order.
///
/// So an epoch reads every block sequentially, once, into a buffer of one window that stays
/// in the cache, and the shuffle inside it costs no trip to memory. ``windowRows`` is a
/// multiple of the batch size, so a batch never straddles two windows. Every random number is
/// a counter-based draw, so the order depends on (seed, epoch, batch size, row width,
/// workers), never on threads, NUMA nodes or ranks.
package struct BlockShuffle: Sendable {
    /// Rows per block: a power of two that divides the chunk size, so a block lies in one
    /// chunk and copying it reads each feature's column sequentially (256 float64 rows: 2 KiB
    /// a column). Chosen by measurement (BENCHMARKS.md, "Block-shuffled epochs").
    package static let defaultBlockRows = 256
    /// Blocks an epoch has at least, when the rows allow: smaller training sets get smaller
    /// blocks (``blockRows(count:)``), so that the workers' shares still change every epoch
    /// (with one block of 105 rows, 16 workers would each train on the same 6 rows forever).
    package static let minimumBlocks = 64

    /// Rows per block for `count` training rows: ``defaultBlockRows``, halved (down to 1)
    /// while there would be fewer than ``minimumBlocks`` blocks. A power of two, so a block
    /// still lies in one chunk.
    package static func blockRows(count: Int) -> Int {
        var rows = defaultBlockRows
        while rows > 1 && rows * minimumBlocks > count { rows /= 2 }
        return rows
    }
    /// The bytes of a window the order aims at: its rows and their order fit in a core's L2
    /// cache with room for the model. Chosen by measurement, as ``defaultBlockRows``.
    package static let windowBytes = 256 * 1024

    package let count: Int
    package let blockRows: Int
    package let windowRows: Int
    /// Blocks, the last one shorter when `blockRows` does not divide `count`.
    package let blockCount: Int
    /// Rows of the last block.
    let lastBlockRows: Int
    /// The permutation of blocks: place i of the block sequence holds block `blocks[i]`.
    let blocks: [UInt32]
    /// Where the last block sits in the block sequence (positions after it are shifted by
    /// its missing rows).
    let lastBlockPlace: Int
    let windowKey: UInt64

    /// - Parameters:
    ///   - count: the training rows.
    ///   - seed: the run's seed.
    ///   - epoch: the 0-based epoch.
    ///   - windowRows: positions per window (``windowRows(batchSize:rowBytes:roundBatches:)``).
    ///   - blockRows: rows per block; nil: ``blockRows(count:)`` (tests choose their own).
    package init(count: Int, seed: UInt64, epoch: Int, windowRows: Int, blockRows: Int? = nil) {
        let blockRows = blockRows ?? BlockShuffle.blockRows(count: count)
        precondition(count >= 0 && count < Int(Int32.max), "shuffles hold up to 2^31 - 1 rows")
        precondition(blockRows >= 1 && windowRows >= 1, "blocks and windows need rows")
        self.count = count
        self.blockRows = blockRows
        self.windowRows = windowRows
        blockCount = max(1, (count + blockRows - 1) / blockRows)
        lastBlockRows = count - (blockCount - 1) * blockRows
        let rng = CounterRNG(seed: seed)
        let round = UInt64(truncatingIfNeeded: epoch)
        // Fisher-Yates over the blocks (a block is 256 rows: the array is small), each step's
        // draw a counter-based number of (seed, epoch, step).
        let blockKey = rng.bits(.blockShuffle, round &* 2)
        var blocks = (0..<blockCount).map { UInt32(truncatingIfNeeded: $0) }
        var step = blockCount - 1
        while step > 0 {
            let draw = CounterRNG.mix(blockKey ^ UInt64(truncatingIfNeeded: step))
            blocks.swapAt(step, Int(truncatingIfNeeded: draw.multipliedFullWidth(by: UInt64(step) + 1).high))
            step -= 1
        }
        self.blocks = blocks
        lastBlockPlace = blocks.firstIndex(of: UInt32(truncatingIfNeeded: blockCount - 1))!
        windowKey = rng.bits(.blockShuffle, round &* 2 &+ 1)
    }

    /// The window size for batches of `batchSize` rows of `rowBytes` bytes: the multiple of
    /// the batch size nearest to ``windowBytes`` (at least one batch), and with `roundBatches`
    /// (K > 1 workers averaged every that many batches) at most one round's batches.
    ///
    /// The cap matters when the workers outnumber the threads: each thread runs its workers'
    /// rounds one after another, so a window that outlived its round would have left the cache
    /// by the next (measured: 16 workers at batch 1 ran 7.7 M rows/s on one thread with
    /// 256 KiB windows, against 18.6 M for one worker).
    package static func windowRows(batchSize: Int, rowBytes: Int, roundBatches: Int? = nil) -> Int {
        let target = max(1, windowBytes / max(1, rowBytes))
        let batch = max(1, batchSize)
        let rows = max(1, (target + batch / 2) / batch) * batch
        guard let roundBatches else { return rows }
        let (round, overflow) = max(1, roundBatches).multipliedReportingOverflow(by: batch)
        return overflow ? rows : min(rows, round)
    }

    /// The window size training uses: ``windowRows(batchSize:rowBytes:roundBatches:)`` for the
    /// configuration's batch size and averaging round, at most `rows` (a window larger than a
    /// worker's share is the share), so that window arithmetic cannot overflow at batch sizes
    /// near `Int.max`. The trainer, the plain reference and the memory budget all ask here.
    package static func windowRows(for training: TrainingConfiguration, rows: Int, rowBytes: Int) -> Int {
        min(
            max(1, rows),
            windowRows(batchSize: training.batchSize, rowBytes: rowBytes, roundBatches: training.averagingRound))
    }

    /// The stored row at position `position` of the block sequence, and how many positions
    /// from there on hold the rows that follow it in storage (up to its block's end).
    @inline(__always)
    package func run(at position: Int) -> (row: Int, length: Int) {
        let lastStart = lastBlockPlace &* blockRows
        if position >= lastStart && position < lastStart &+ lastBlockRows {
            let offset = position &- lastStart
            return ((blockCount &- 1) &* blockRows &+ offset, lastBlockRows &- offset)
        }
        // Positions past the last block are shifted by the rows it lacks.
        let shifted = position >= lastStart ? position &+ (blockRows &- lastBlockRows) : position
        let place = shifted / blockRows
        let offset = shifted &- place &* blockRows
        return (Int(blocks[place]) &* blockRows &+ offset, blockRows &- offset)
    }

    /// The windows of the positions `share`: their first positions and sizes.
    package func windows(of share: Range<Int>) -> [Range<Int>] {
        stride(from: share.lowerBound, to: share.upperBound, by: windowRows).map {
            $0..<min($0 + windowRows, share.upperBound)
        }
    }

    /// Fills `order[0 ..< size]` with the visiting order of the window of `size` positions
    /// that starts at position `start`: the worker visits position `start + order[t]` t-th.
    ///
    /// The inside-out Fisher-Yates: step i draws j in `0...i` and moves `order[j]` to i. The
    /// draw is the high 32 bits of a counter-based 64-bit number times i + 1, shifted down by
    /// 32 (eight steps' draws computed at once in vector lanes): uniform up to a bias below
    /// (i + 1) / 2^32, under 2^-14 for any window of 2^18 rows. (A keyed Feistel permutation
    /// of the window, evaluated in vector lanes with no memory dependency, cost 5 times as much:
    /// its cycle walking repeats the network until every lane is in range.)
    package func windowOrder(start: Int, size: Int, into order: UnsafeMutablePointer<UInt32>) {
        guard size > 0 else { return }
        precondition(size <= 1 << 31, "windows hold up to 2^31 rows")
        let key = CounterRNG.mix(windowKey ^ UInt64(truncatingIfNeeded: start))
        order[0] = 0
        var i = 1
        while i < size {
            let base = SIMD8<UInt64>(repeating: UInt64(truncatingIfNeeded: i)) &+ SIMD8(0, 1, 2, 3, 4, 5, 6, 7)
            let draws = ((CounterRNG.mix(base &+ key) &>> 32) &* (base &+ 1)) &>> 32
            let end = min(size, i &+ 8)
            var lane = 0
            while i < end {
                let j = Int(truncatingIfNeeded: draws[lane])
                order[i] = order[j]
                order[j] = UInt32(truncatingIfNeeded: i)
                i &+= 1
                lane &+= 1
            }
        }
    }

    /// The whole epoch, straight from the definition, for workers holding `shares` (in worker
    /// order): `order(shares:)[p]` is the stored row visited at position p. The plain
    /// reference and the tests use it.
    package func order(shares: [Range<Int>]) -> [Int] {
        var sequence = [Int](repeating: 0, count: count)
        var position = 0
        while position < count {
            let (row, length) = run(at: position)
            for t in 0..<min(length, count - position) { sequence[position + t] = row + t }
            position += length
        }
        var visited = [Int](repeating: 0, count: count)
        var scratch = [UInt32](repeating: 0, count: windowRows)
        for share in shares {
            for window in windows(of: share) {
                scratch.withUnsafeMutableBufferPointer {
                    windowOrder(start: window.lowerBound, size: window.count, into: $0.baseAddress!)
                }
                for t in 0..<window.count {
                    visited[window.lowerBound + t] = sequence[window.lowerBound + Int(scratch[t])]
                }
            }
        }
        return visited
    }
}
