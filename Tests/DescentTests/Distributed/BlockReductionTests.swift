import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The rank decomposition of the reduction tree (``BlockReduction``), without MPI: every
/// rank reduces its blocks, the blocks are concatenated in rank order (what
/// `MPI_Allgatherv` does), every rank finishes the tree; the result must have the bits of
/// ``FixedOrderReduction`` over all partials in one process.
struct BlockReductionTests {
    /// SplitMix64 (TestSupport), so the cases are the same on every run.
    typealias Generator = SplitMix64

    static let stride = 2

    static func partials(count: Int, _ g: inout Generator) -> [Double] {
        (0..<count * stride).map { _ in g.mixed() }
    }

    /// The one-process tree.
    static func tree(_ values: [Double], count: Int) -> [Double] {
        var copy = values
        copy.withUnsafeMutableBufferPointer {
            FixedOrderReduction.reduce($0.baseAddress!, count: count, stride: stride)
        }
        return Array(copy.prefix(stride))
    }

    /// The rank scheme: each rank its blocks, gathered in rank order, finished by the tree.
    static func ranked(_ values: [Double], count: Int, ranges: [Range<Int>]) -> [Double] {
        var gathered: [Double] = []
        var starts: [Int] = []
        // One copy for all ranks: a rank reads and writes only the slots of its own range.
        var work = values
        for range in ranges {
            let blocks = BlockReduction.blocks(of: range, count: count)
            var packed = [Double](repeating: 0, count: max(1, blocks.count) * stride)
            work.withUnsafeMutableBufferPointer { p in
                packed.withUnsafeMutableBufferPointer { out in
                    _ = BlockReduction.reduceBlocks(
                        p.baseAddress!, range: range, count: count, stride: stride, into: out.baseAddress!)
                }
            }
            gathered += packed.prefix(blocks.count * stride)
            starts += blocks.map(\.lowerBound)
        }
        gathered.withUnsafeMutableBufferPointer {
            BlockReduction.finish($0.baseAddress!, starts: starts, count: count, stride: stride)
        }
        return Array(gathered.prefix(stride))
    }

    /// What `MPI_Allreduce` after a local reduction amounts to: each rank's range reduced
    /// on its own, then the ranks' sums added in rank order. A planted wrong order.
    static func perRankThenInOrder(_ values: [Double], count: Int, ranges: [Range<Int>]) -> [Double] {
        var total: [Double]?
        for range in ranges where !range.isEmpty {
            var part = Array(values[range.lowerBound * stride..<range.upperBound * stride])
            part.withUnsafeMutableBufferPointer {
                FixedOrderReduction.reduce($0.baseAddress!, count: range.count, stride: stride)
            }
            total = total.map { t in (0..<stride).map { t[$0] + part[$0] } } ?? Array(part.prefix(stride))
        }
        return total ?? [Double](repeating: 0, count: stride)
    }

    /// Random contiguous ranges for `ranks` ranks (cut points drawn at random, so some
    /// ranks own nothing).
    static func randomRanges(count: Int, ranks: Int, _ g: inout Generator) -> [Range<Int>] {
        let cuts = ((0..<(ranks - 1)).map { _ in g.below(count + 1) }).sorted()
        let bounds = [0] + cuts + [count]
        return (0..<ranks).map { bounds[$0]..<bounds[$0 + 1] }
    }

    @Test func blocksTileTheRangeWithAlignedSubtrees() {
        for count in 1...300 {
            for start in 0...count {
                for end in start...min(count, start + 70) {
                    let blocks = BlockReduction.blocks(of: start..<end, count: count)
                    #expect(blocks.first?.lowerBound ?? start == start && blocks.last?.upperBound ?? end == end)
                    for (a, b) in zip(blocks, blocks.dropFirst()) where a.upperBound != b.lowerBound {
                        Issue.record("blocks \(a) and \(b) of \(start)..<\(end) (count \(count)) leave a gap")
                    }
                    for block in blocks {
                        // A subtree: aligned to a power of two at least its length, cut only by the end of the tree.
                        var size = 1
                        while size < block.count { size *= 2 }
                        if block.lowerBound % size != 0 || (block.count != size && block.upperBound != count) {
                            Issue.record("block \(block) of \(start)..<\(end) (count \(count)) is not a subtree")
                        }
                    }
                }
            }
        }
        // A range of 10 M rows' chunks owned by one of four ranks needs few blocks.
        #expect(BlockReduction.blocks(of: 2442..<4884, count: 9766).count <= 2 * 14)
    }

    @Test func everyChunkCountAndRankCountGivesTheTreesBits() {
        var g = Generator(state: 13)
        var mismatches = 0
        var plantedDiffers = 0
        var cases = 0
        // Every chunk count up to 3000: an even split over (count % 64) + 1 ranks, and a random split.
        for count in 1...3000 {
            let values = Self.partials(count: count, &g)
            let expected = Self.tree(values, count: count)
            let ranks = count % 64 + 1
            for ranges in [
                BlockReduction.ranges(count: count, weights: [Int](repeating: 1, count: ranks)),
                Self.randomRanges(count: count, ranks: g.below(64) + 1, &g),
            ] {
                cases += 1
                if Self.ranked(values, count: count, ranges: ranges) != expected {
                    mismatches += 1
                    if mismatches < 5 { Issue.record("count \(count), ranges \(ranges): not the tree's bits") }
                }
                if Self.perRankThenInOrder(values, count: count, ranges: ranges).map(\.bitPattern)
                    != expected.map(\.bitPattern)
                {
                    plantedDiffers += 1
                }
            }
        }
        // Every rank count 1...64 (so many ranks own nothing) for chunk counts up to 200.
        for count in 1...200 {
            let values = Self.partials(count: count, &g)
            let expected = Self.tree(values, count: count).map(\.bitPattern)
            for ranks in 1...64 {
                let weights = (0..<ranks).map { $0 % 3 == 2 ? 0 : 1 + $0 % 4 }  // uneven threads, some ranks with none
                for ranges in [
                    BlockReduction.ranges(count: count, weights: weights),
                    Self.randomRanges(count: count, ranks: ranks, &g),
                ] {
                    cases += 1
                    if Self.ranked(values, count: count, ranges: ranges).map(\.bitPattern) != expected {
                        mismatches += 1
                        if mismatches < 5 {
                            Issue.record("count \(count), \(ranks) ranks, ranges \(ranges): not the tree's bits")
                        }
                    }
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(cases) cases differ from the one-process tree")
        // The values make order visible: the planted order (per rank, then rank by rank) is caught.
        #expect(plantedDiffers > 1000, "the per-rank-then-in-order sum differed in only \(plantedDiffers) cases")
    }

    @Test func aPlantedWrongFinishIsCaught() {
        // Finishing the blocks left to right instead of by the tree gives other bits.
        var g = Generator(state: 7)
        var differs = 0
        for count in [37, 100, 1000, 2047] {
            let values = Self.partials(count: count, &g)
            let expected = Self.tree(values, count: count).map(\.bitPattern)
            let ranges = BlockReduction.ranges(count: count, weights: [1, 1, 1])
            var packed: [Double] = []
            for range in ranges {
                var mine = values
                let blocks = BlockReduction.blocks(of: range, count: count)
                var out = [Double](repeating: 0, count: blocks.count * Self.stride)
                mine.withUnsafeMutableBufferPointer { p in
                    out.withUnsafeMutableBufferPointer {
                        _ = BlockReduction.reduceBlocks(
                            p.baseAddress!, range: range, count: count, stride: Self.stride, into: $0.baseAddress!)
                    }
                }
                packed += out
            }
            var leftToRight = Array(packed.prefix(Self.stride))
            for b in 1..<(packed.count / Self.stride) {
                for k in 0..<Self.stride { leftToRight[k] += packed[b * Self.stride + k] }
            }
            if leftToRight.map(\.bitPattern) != expected { differs += 1 }
        }
        #expect(differs == 4)
    }

    @Test func rangesFollowTheThreadCounts() {
        #expect(BlockReduction.ranges(count: 10, weights: [1, 1]) == [0..<5, 5..<10])
        #expect(BlockReduction.ranges(count: 9, weights: [1, 2]) == [0..<3, 3..<9])
        #expect(BlockReduction.ranges(count: 2, weights: [1, 1, 1, 1]).map(\.count).reduce(0, +) == 2)
        #expect(BlockReduction.ranges(count: 0, weights: [3, 1]) == [0..<0, 0..<0])
    }
}

extension SplitMix64 {
    /// A double of random sign and magnitude 1e-8 ... 1e8: sums of these depend on their order.
    mutating func mixed() -> Double {
        let mantissa = Double(next() >> 11) / Double(1 << 53) + 0.5
        let sign: Double = next() & 1 == 0 ? 1 : -1
        return sign * mantissa * pow(10, Double(below(17) - 8))
    }
}
