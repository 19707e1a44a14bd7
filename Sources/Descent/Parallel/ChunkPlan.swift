/// Fixed ranges of rows: chunk c is rows `c*chunkRows ..< min(rowCount, (c+1)*chunkRows)`.
///
/// The chunk size never depends on the thread count. Each chunk's partial result is
/// computed in one fixed order, and partials are combined in a fixed tree over chunk index,
/// so results do not depend on which thread computed which chunk.
@usableFromInline
package struct ChunkPlan: Sendable, Equatable {
    /// Rows per chunk. 1024 rows keep a chunk of two float64 features and a label in 24 KiB
    /// (inside L1/L2), and give a 4096-row SGD batch four chunks to share between cores.
    package static let defaultChunkRows = 1024

    @usableFromInline package let rowCount: Int
    @usableFromInline package let chunkRows: Int

    package init(rowCount: Int, chunkRows: Int = ChunkPlan.defaultChunkRows) {
        precondition(rowCount >= 0, "row count must not be negative")
        precondition(
            chunkRows > 0 && chunkRows & (chunkRows - 1) == 0 && chunkRows % 16 == 0,
            "chunk rows must be a power of two and a multiple of 16")
        self.rowCount = rowCount
        self.chunkRows = chunkRows
    }

    package var chunkCount: Int { (rowCount + chunkRows - 1) / chunkRows }

    /// The rows of chunk `chunk`.
    @inlinable
    package func rows(ofChunk chunk: Int) -> Range<Int> {
        let start = chunk * chunkRows
        return start..<min(rowCount, start + chunkRows)
    }

    /// The rows of chunks `chunks` (a contiguous range, possibly empty).
    package func rows(ofChunks chunks: Range<Int>) -> Range<Int> {
        min(chunks.lowerBound * chunkRows, rowCount)..<min(chunks.upperBound * chunkRows, rowCount)
    }

    /// Splits chunks 0..<chunkCount into `parts` contiguous ranges whose sizes differ by at most one.
    package static func split(_ count: Int, into parts: Int) -> [Range<Int>] {
        precondition(parts >= 1, "need at least one part")
        return (0..<parts).map { p in (p * count / parts)..<((p + 1) * count / parts) }
    }
}
