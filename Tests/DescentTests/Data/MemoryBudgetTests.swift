import Testing

@testable import Descent

/// Sizes and limits (``MemoryBudget``) computed without overflow; the command line's refusals
/// of runs too large are `DescentCLITests.MemoryBudgetTests`.
struct MemoryBudgetTests {
    @Test func sizesAndLimitsAreComputedWithoutOverflow() {
        #expect(MemoryBudget.product(1 << 40, 1 << 30) == nil)
        #expect(MemoryBudget.product(3, 5, 7) == 105)
        #expect(MemoryBudget.product(-1, 5) == nil)
        #expect(MemoryBudget.datasetBytes(rows: 1, features: 2, scalarBytes: 8) == ChunkPlan.defaultChunkRows * 3 * 8)
        #expect(MemoryBudget.datasetBytes(rows: Int.max, features: 2, scalarBytes: 8) == nil)
        #expect(MemoryBudget.parseBytes("2G") == 2 << 30)
        #expect(MemoryBudget.parseBytes("512k") == 512 << 10)
        #expect(MemoryBudget.parseBytes("12345") == 12345)
        #expect(MemoryBudget.parseBytes("-5") == nil)
        #expect(MemoryBudget.parseBytes("99999999999999999999T") == nil)
        #expect(MemoryBudget.format(1536 << 20) == "1.5 GiB")
        #expect(MemoryBudget.available().bytes > 0)
        #expect(throws: DescentError.self) { try MemoryBudget.check([.init("a", Int.max), .init("b", 1)], hint: "") }
    }
}
