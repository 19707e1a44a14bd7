/// Checks that every feature of a dataset is finite in its precision, after loading,
/// generating or standardizing: a value that overflowed (1e39 read as float32, blobs with
/// `--cluster-std 1e308`, a column too large to standardize) is a data problem, reported as
/// one with the column and a fix, not a divergence of training.
package enum FiniteCheck {
    /// The first (lowest) feature column of `dataset` holding a value that is not finite,
    /// and one such value; nil when every feature is finite. One parallel pass over the shards.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func firstNonFinite<T: KernelScalar>(_ dataset: Dataset<T>, executor: ShardedExecutor) -> (
        column: Int, value: Double
    )? {
        let d = dataset.featureCount
        let chunks = dataset.chunks
        let plan = dataset.placement
        let shards = plan.shards.count
        let found = UnsafeMutableBufferPointer<(column: Int, value: Double)?>.allocate(capacity: max(1, shards))
        found.initialize(repeating: nil)
        defer { found.deallocate() }
        let box = UncheckedBox(found)
        executor.run(iterations: shards, node: { plan.node(ofShard: $0) }) { s in
            var best: (column: Int, value: Double)?
            for chunk in plan.shards[s].chunks {
                if let sparse = dataset.sparse {
                    let indices = sparse.indices(chunk)
                    let values = sparse.values(chunk)
                    for e in 0..<sparse.offsets(chunk)[chunks.chunkRows] where !values[e].isFinite {
                        if Int(indices[e]) < best?.column ?? d { best = (Int(indices[e]), Double(values[e])) }
                    }
                    continue
                }
                let block = dataset.block(chunk)
                let rows = chunks.rows(ofChunk: chunk).count
                columns: for j in 0..<min(d, best?.column ?? d) {
                    let column = block + j * chunks.chunkRows
                    for i in 0..<rows where !column[i].isFinite {
                        best = (j, Double(column[i]))
                        break columns
                    }
                }
            }
            box.value[s] = best
        }
        return found.compactMap { $0 }.min { $0.column < $1.column }
    }

    /// Throws the ``DescentError/input(_:)`` that `message` makes for the first set of
    /// `sets` holding a feature that is not finite, from the set's name, the column's name
    /// and the value (`+inf`, `-inf` or `NaN`).
    package static func require<T: KernelScalar>(
        _ sets: [(name: String, dataset: Dataset<T>?)], featureNames: [String],
        executor: ShardedExecutor,
        message: (_ set: String, _ column: String, _ value: String) -> String
    ) throws {
        for (name, dataset) in sets {
            guard let dataset, let (column, value) = firstNonFinite(dataset, executor: executor) else { continue }
            let columnName = column < featureNames.count ? featureNames[column] : "x\(column)"
            let shown = value.isNaN ? "NaN" : (value > 0 ? "+inf" : "-inf")
            throw DescentError.input(message(name, columnName, shown))
        }
    }

    /// What float32 can hold, for messages.
    package static func rangeNote<T: KernelScalar>(_: T.Type) -> String {
        MemoryLayout<T>.size == 4 ? "float32 holds magnitudes up to 3.4e38" : "float64 holds magnitudes up to 1.8e308"
    }
}
