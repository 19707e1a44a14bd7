import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The block-shuffled epoch (``BlockShuffle``, `--shuffle blocks`): a permutation of the rows
/// made of whole blocks laid end to end, shuffled inside each window, fresh every epoch.
struct BlockShuffleTests {
    /// The block sequence, position by position, through ``BlockShuffle/run(at:)``.
    func sequence(_ s: BlockShuffle) -> [Int] {
        var rows: [Int] = []
        var position = 0
        while position < s.count {
            let (row, length) = s.run(at: position)
            #expect(length >= 1, "position \(position)")
            for t in 0..<min(length, s.count - position) { rows.append(row + t) }
            position += length
        }
        return rows
    }

    /// For sizes with and without a short last block (and smaller than one block), the block
    /// sequence holds every block whole, starting at a multiple of the block size, once; and
    /// the epoch's order is a permutation whose every window holds the rows of the same
    /// positions of the block sequence.
    @Test func blocksStayWholeAndWindowsHoldTheirPositions() {
        for (n, blockRows, windowRows) in [
            (1, 4, 3), (7, 4, 3), (1000, 16, 96), (1003, 16, 96), (1003, 7, 20), (64, 16, 64),
        ] {
            for shares in [[0..<n], ChunkPlan.split(n, into: min(3, n))] {
                let s = BlockShuffle(count: n, seed: 5, epoch: 2, windowRows: windowRows, blockRows: blockRows)
                let rows = sequence(s)
                #expect(rows.count == n && Set(rows).count == n, "n \(n): the block sequence is a permutation")
                // Cut the sequence at every block start in storage: each piece is a whole block.
                var starts: [Int] = []
                for (p, row) in rows.enumerated() where p == 0 || row != rows[p - 1] + 1 || row % blockRows == 0 {
                    starts.append(p)
                }
                let blocks = starts.indices.map { i in
                    Array(rows[starts[i]..<(i + 1 < starts.count ? starts[i + 1] : n)])
                }
                #expect(blocks.count == (n + blockRows - 1) / blockRows, "n \(n) block \(blockRows)")
                for block in blocks {
                    #expect(block.first! % blockRows == 0, "a block starts at a block boundary: \(block.first!)")
                    #expect(block.count == min(blockRows, n - block.first!), "block \(block.first!) is whole")
                }
                let order = s.order(shares: shares)
                #expect(order.sorted() == Array(0..<n), "n \(n): the epoch is a permutation")
                for share in shares {
                    for window in s.windows(of: share) {
                        #expect(window.count <= windowRows)
                        #expect(
                            Set(order[window]) == Set(rows[window]),
                            "n \(n) window \(window): the rows of its positions of the block sequence")
                    }
                }
            }
        }
    }

    /// Every order of a window of 5 rows comes up equally often over 60,000 windows (keyed by
    /// epoch and start): a chi-square test against the uniform distribution (119 degrees of
    /// freedom: mean 119, standard deviation 15.4; the bound is 6 deviations above).
    @Test func windowOrdersAreUniform() {
        var counts: [[UInt32]: Int] = [:]
        var order = [UInt32](repeating: 0, count: 5)
        for epoch in 0..<600 {
            let s = BlockShuffle(count: 1000, seed: 8, epoch: epoch, windowRows: 5)
            for start in stride(from: 0, to: 500, by: 5) {
                order.withUnsafeMutableBufferPointer { s.windowOrder(start: start, size: 5, into: $0.baseAddress!) }
                counts[order, default: 0] += 1
            }
        }
        #expect(counts.count == 120, "every order occurs")
        let expected = 500.0
        let chiSquare = counts.values.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 119 + 6 * 15.4, "chi-square \(chiSquare)")
    }

    /// The blocks' order is uniform: each of 6 blocks sits at each place of the sequence
    /// equally often over 30,000 epochs (25 degrees of freedom: standard deviation 7.1).
    @Test func blockPlacesAreUniform() {
        var hits = [[Int]](repeating: [Int](repeating: 0, count: 6), count: 6)
        for epoch in 0..<30_000 {
            let s = BlockShuffle(count: 6, seed: 3, epoch: epoch, windowRows: 1, blockRows: 1)
            for place in 0..<6 { hits[s.run(at: place).row][place] += 1 }
        }
        let expected = 5000.0
        let chiSquare = hits.joined().reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 25 + 6 * 7.1, "chi-square \(chiSquare)")
    }

    /// Epochs and seeds give different orders; the same (seed, epoch) gives the same one.
    @Test func ordersDependOnSeedAndEpochOnly() {
        let n = 5000
        func order(seed: UInt64, epoch: Int) -> [Int] {
            BlockShuffle(count: n, seed: seed, epoch: epoch, windowRows: 512).order(shares: [0..<n])
        }
        let first = order(seed: 1, epoch: 0)
        #expect(first == order(seed: 1, epoch: 0))
        #expect(first != order(seed: 1, epoch: 1))
        #expect(first != order(seed: 2, epoch: 0))
        // Rows move between windows from one epoch to the next (the blocks are reordered).
        let next = order(seed: 1, epoch: 1)
        let sameWindow = (0..<n).filter { first.firstIndex(of: $0)! / 512 == next.firstIndex(of: $0)! / 512 }.count
        #expect(sameWindow < n / 3, "\(sameWindow) of \(n) rows stayed in their window")
    }

    /// Blocks are 256 rows from 16,384 rows on, and smaller powers of two below, so that
    /// there are at least 64 blocks (one row each on fewer than 128 rows).
    @Test func smallTrainingSetsGetSmallerBlocks() {
        #expect(BlockShuffle.blockRows(count: 2_000_000) == 256 && BlockShuffle.blockRows(count: 16_384) == 256)
        #expect(BlockShuffle.blockRows(count: 16_383) == 128 && BlockShuffle.blockRows(count: 880) == 8)
        #expect(BlockShuffle.blockRows(count: 105) == 1 && BlockShuffle.blockRows(count: 0) == 1)
        for count in [64, 100, 1000, 5000, 16_383, 16_384, 100_000] {
            let rows = BlockShuffle.blockRows(count: count)
            #expect(rows & (rows - 1) == 0 && rows <= 256, "\(count): \(rows)")
            #expect(count / rows >= BlockShuffle.minimumBlocks, "\(count): \(rows)")
            #expect(rows == 256 || count / (2 * rows) < BlockShuffle.minimumBlocks, "\(count): the largest such")
            #expect(BlockShuffle(count: count, seed: 1, epoch: 0, windowRows: 10).blockRows == rows)
        }
    }

    /// Windows are whole batches near the target bytes, at least one batch, and with workers
    /// at most one averaging round's batches.
    @Test func windowsAreWholeBatches() {
        #expect(BlockShuffle.windowRows(batchSize: 1, rowBytes: 24, roundBatches: 2048) == 2048)
        #expect(BlockShuffle.windowRows(batchSize: 32, rowBytes: 24, roundBatches: 1000) == 10_912)
        #expect(BlockShuffle.windowRows(batchSize: 256, rowBytes: 24, roundBatches: 8) == 2048)
        #expect(BlockShuffle.windowRows(batchSize: 4096, rowBytes: 24, roundBatches: Int.max) == 12_288)
        for (batch, rowBytes) in [(1, 24), (32, 24), (256, 168), (4096, 24), (65_536, 24), (100, 1_000_000)] {
            let rows = BlockShuffle.windowRows(batchSize: batch, rowBytes: rowBytes)
            #expect(rows % batch == 0 && rows >= batch, "batch \(batch): \(rows)")
            if rows > batch {
                #expect(abs(rows * rowBytes - BlockShuffle.windowBytes) <= batch * rowBytes / 2 + rowBytes)
            }
        }
    }

    /// SGD with block-shuffled epochs follows the plain reference (which builds each epoch's
    /// order from the definition), with several windows per worker (one and three workers,
    /// batches of 1 and 32) and with one window per worker (which the next epoch must reload);
    /// both precisions give the same bits for 1, 2 and 5 threads.
    @Test func trainingFollowsTheReferenceOverSeveralWindows() {
        // (rows, K, batch, --sync-every): K = 3 averages every 7 batches, so its windows are
        // one round's 224 rows; the last case's windows hold a worker's whole share.
        for (samples, workers, batch, sync) in [
            (36_000, 1, 1, 7), (36_000, 1, 32, 7), (36_000, 3, 32, 7), (3000, 2, 8, 1000),
        ] {
            let (x, y) = blobRows(samples: samples, seed: 6)
            var t = TrainingConfiguration()
            t.optimizer = .sgd
            t.shuffle = .blocks
            t.batchSize = batch
            t.workers = workers
            t.syncEvery = sync
            t.gradient = .mean
            t.alpha = batch == 1 ? 0.005 : 0.05
            t.epochs = 2
            t.loss = .logLoss
            let dataset = makeDataset(x, y, threads: 2, as: Double.self)
            let windowRows = BlockShuffle.windowRows(batchSize: batch, rowBytes: 3 * 8, roundBatches: t.averagingRound)
            #expect(windowRows == (workers == 3 ? 224 : samples == 3000 ? 8000 : batch == 1 ? 10_922 : 10_912))
            #expect((dataset.rowCount / workers > windowRows) == (samples > 3000), "windows per worker")
            let initial = Trainer<Double>.initialWeights(count: 3, seed: t.seed)
            let fast = trainLibrary(dataset, t, threads: 2, initial: initial)
            let reference = PlainReference.train(t, dataset: dataset, initial: initial, epochs: 2)
            let record = RunRecord(threads: 2, history: fast.history, weights: fast.weights)
            let difference = Verifier.referenceDifference(record, losses: reference.losses, weights: reference.weights)
            #expect(difference.isFinite && difference <= 1e-9, "K \(workers) batch \(batch): \(difference)")
            for threads in [1, 5] {
                let again = trainLibrary(
                    makeDataset(x, y, threads: threads, as: Double.self), t, threads: threads, initial: initial)
                #expect(bits(again.weights) == bits(fast.weights), "K \(workers) batch \(batch) threads \(threads)")
            }
            let single = trainLibrary(
                makeDataset(x, y, threads: 1, as: Float.self), t, threads: 1, initial: initial.map(Float.init))
            let split = trainLibrary(
                makeDataset(x, y, threads: 5, as: Float.self), t, threads: 5, initial: initial.map(Float.init))
            #expect(bits(single.weights) == bits(split.weights), "float32 K \(workers) batch \(batch)")
        }
    }
}
