/// Predicted classes (and class probabilities) of every row of a dataset under a model.
public struct Predictions<T: KernelScalar>: Sendable {
    /// The predicted class of each row.
    public var classes: [Int32]
    /// With probabilities: `rowCount x classCount`, row-major (for a binary sigmoid model
    /// class 0 gets 1 - p and class 1 gets p); empty without.
    /// A regression model's predicted values, one per row, are here too (with
    /// ``isRegression``, `classCount` 1 and every class 0), so they travel over ranks alike.
    public var probabilities: [T]
    public var classCount: Int
    /// Whether these are a regression model's values rather than classes.
    public var isRegression = false

    /// Every rank's predictions of the rows it holds, put together on every rank (a
    /// collective call): rank r predicted the rows of its chunks `share.ranges[r]`, which
    /// follow each other in rank order, so the all-gathers lay them out in row order. Each
    /// all-gather moves at most `bytesPerExchange` bytes (MPI counts are 32-bit), in as many
    /// rounds as the largest rank's rows need.
    package func gathered(_ share: RankShare, chunks: ChunkPlan, bytesPerExchange: Int = 1 << 30) -> Predictions<T> {
        let rows = share.ranges.map { chunks.rows(ofChunks: $0) }
        var out = self
        func gather<E>(_ source: [E], width: Int, into destination: inout [E]) {
            let size = MemoryLayout<E>.stride * width
            // Rows per rank per round: within the exchange limit, and no more than the
            // largest rank holds (the scratch buffer is sized by it).
            let largest = rows.map(\.count).max() ?? 0
            let perRound = max(1, min(largest, bytesPerExchange / max(1, size * rows.count)))
            let rounds = rows.map { ($0.count + perRound - 1) / perRound }.max() ?? 0
            var scratch = [UInt8](repeating: 0, count: perRound * size * rows.count)
            for round in 0..<rounds {
                let pieces = rows.map { r -> Range<Int> in
                    let start = min(r.lowerBound + round * perRound, r.upperBound)
                    return start..<min(start + perRound, r.upperBound)
                }
                let counts = pieces.map { $0.count * size }
                let piece = pieces[share.communicator.rank]
                source.withUnsafeBytes { local in
                    scratch.withUnsafeMutableBytes { all in
                        share.communicator.allGather(
                            UnsafeRawBufferPointer(rebasing: local[piece.lowerBound * size..<piece.upperBound * size]),
                            counts: counts, into: all)
                    }
                }
                destination.withUnsafeMutableBytes { out in
                    scratch.withUnsafeBytes { all in
                        var offset = 0
                        for (r, p) in pieces.enumerated() {
                            out[p.lowerBound * size..<p.upperBound * size].copyBytes(
                                from: all[offset..<offset + counts[r]])
                            offset += counts[r]
                        }
                    }
                }
            }
        }
        gather(classes, width: 1, into: &out.classes)
        if !probabilities.isEmpty { gather(probabilities, width: classCount, into: &out.probabilities) }
        return out
    }
}

extension PredictionKernel {
    /// A regression model's value of every row of `dataset` this process holds (over ranks,
    /// its own chunks; `Predictions.gathered(_:chunks:bytesPerExchange:)` brings the rest),
    /// by `PredictionKernel.predictValues`, chunks in parallel.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func predictTargets<T: KernelScalar>(_ dataset: Dataset<T>, weights: [T], executor: ShardedExecutor)
        -> Predictions<T>
    {
        let d = dataset.featureCount
        precondition(weights.count == d + 1, "weights do not fit the dataset")
        var values = [T](repeating: 0, count: dataset.rowCount)
        let plan = dataset.placement
        let chunks = dataset.chunks
        values.withUnsafeMutableBufferPointer { out in
            weights.withUnsafeBufferPointer { w in
                let box = UncheckedBox((out.baseAddress, w.baseAddress!))
                executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
                    for chunk in plan.shards[s].chunks {
                        let rows = chunks.rows(ofChunk: chunk)
                        guard let base = box.value.0 else { continue }
                        if let sparse = dataset.sparse {
                            predictSparseValues(
                                weights: box.value.1, features: d, offsets: sparse.offsets(chunk),
                                indices: sparse.indices(chunk), values: sparse.values(chunk), rows: rows.count,
                                into: base + rows.lowerBound)
                            continue
                        }
                        predictValues(
                            weights: box.value.1, features: d, block: dataset.block(chunk), stride: chunks.chunkRows,
                            rows: rows.count, into: base + rows.lowerBound)
                    }
                }
            }
        }
        var predictions = Predictions(
            classes: [Int32](repeating: 0, count: dataset.rowCount), probabilities: values, classCount: 1)
        predictions.isRegression = true
        return predictions
    }

    /// Predicts every row of `dataset` this process holds (over ranks, the rows of its own
    /// chunks; the others stay 0 until `gathered(_:chunks:bytesPerExchange:)`):
    /// chunks in parallel on their shards' nodes, by ``predictContiguous(weights:features:outputs:classCount:block:stride:rows:classes:probabilities:)``
    /// as ``ConfusionMatrix`` does (so the classes are those of the training report), each
    /// row independent of the others, so the result is the same for every thread count.
    ///
    /// Probabilities use the kernels' own exp: a sigmoid for binary models, a softmax
    /// (exp(z_k - max z) / sum) for multi-class ones.
    ///
    /// - Precondition: `weights` has `outputs * (featureCount + 1)` values and
    ///   `probabilities` is false for the hinge loss (it has none).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func predict<T: KernelScalar>(
        _ dataset: Dataset<T>, weights: [T], loss: Loss, classCount: Int,
        probabilities: Bool, executor: ShardedExecutor
    ) -> Predictions<T> {
        let outputs = loss.outputCount(classCount: classCount)
        let d = dataset.featureCount
        precondition(weights.count == outputs * (d + 1), "weights do not fit the dataset")
        precondition(!(probabilities && loss == .hinge), "hinge models have no probabilities")
        let n = dataset.rowCount
        var classes = [Int32](repeating: 0, count: n)
        var proba = [T](repeating: 0, count: probabilities ? n * classCount : 0)
        let plan = dataset.placement
        let chunks = dataset.chunks
        classes.withUnsafeMutableBufferPointer { classes in
            proba.withUnsafeMutableBufferPointer { proba in
                weights.withUnsafeBufferPointer { w in
                    // An empty array's buffer may still have an address: no probabilities means nil.
                    let box = UncheckedBox(
                        (classes.baseAddress!, probabilities ? proba.baseAddress : nil, w.baseAddress!))
                    executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
                        for chunk in plan.shards[s].chunks {
                            let rows = chunks.rows(ofChunk: chunk)
                            if let sparse = dataset.sparse {
                                predictSparse(
                                    weights: box.value.2, features: d, outputs: outputs, classCount: classCount,
                                    offsets: sparse.offsets(chunk), indices: sparse.indices(chunk),
                                    values: sparse.values(chunk), rows: rows.count,
                                    classes: box.value.0 + rows.lowerBound,
                                    probabilities: box.value.1.map { $0 + rows.lowerBound * classCount })
                                continue
                            }
                            predictContiguous(
                                weights: box.value.2, features: d, outputs: outputs, classCount: classCount,
                                block: dataset.block(chunk), stride: chunks.chunkRows, rows: rows.count,
                                classes: box.value.0 + rows.lowerBound,
                                probabilities: box.value.1.map { $0 + rows.lowerBound * classCount })
                        }
                    }
                }
            }
        }
        return Predictions(classes: classes, probabilities: proba, classCount: classCount)
    }
}

/// The confusion matrix of a model over a dataset: rows are true classes, columns predicted
/// classes. Each chunk's classes come from the prediction kernel
/// (`predictContiguous(weights:features:outputs:classCount:block:stride:rows:classes:probabilities:)`)
/// into a scratch column and are counted against the chunk's labels, shard by shard on the
/// shards' nodes; whole-number counts, so the sum is the same for every thread count. Over
/// ranks each rank counts the rows it holds and the counts are summed (a collective call).
public enum ConfusionMatrix {
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func of<T: KernelScalar>(_ dataset: Dataset<T>, weights: [T], loss: Loss, executor: ShardedExecutor)
        -> [[Int]]
    {
        let classes = dataset.classCount
        let features = dataset.featureCount
        let outputs = loss.outputCount(classCount: classes)
        precondition(weights.count == outputs * (features + 1), "weights do not fit the dataset")
        let plan = dataset.placement
        let chunks = dataset.chunks
        let labelBytes = dataset.labelBytes
        let cells = classes * classes
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(1, plan.shards.count * cells))
        counts.initialize(repeating: 0, count: max(1, plan.shards.count * cells))
        defer { counts.deallocate() }
        weights.withUnsafeBufferPointer { w in
            let box = UncheckedBox((counts, w.baseAddress!))
            executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
                let predicted = UnsafeMutablePointer<Int32>.allocate(capacity: chunks.chunkRows)
                defer { predicted.deallocate() }
                let shardCounts = box.value.0 + s * cells
                for chunk in plan.shards[s].chunks {
                    let rows = chunks.rows(ofChunk: chunk).count
                    if let sparse = dataset.sparse {
                        PredictionKernel.predictSparse(
                            weights: box.value.1, features: features, outputs: outputs, classCount: classes,
                            offsets: sparse.offsets(chunk), indices: sparse.indices(chunk),
                            values: sparse.values(chunk), rows: rows, classes: predicted, probabilities: nil)
                    } else {
                        PredictionKernel.predictContiguous(
                            weights: box.value.1, features: features, outputs: outputs, classCount: classes,
                            block: dataset.block(chunk), stride: chunks.chunkRows, rows: rows,
                            classes: predicted, probabilities: nil)
                    }
                    let labels = dataset.labels(chunk)
                    for i in 0..<rows {
                        shardCounts[
                            Dataset<T>.packedLabel(labels, i, bytes: labelBytes) * classes + Int(predicted[i])] += 1
                    }
                }
            }
        }
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for s in 0..<plan.shards.count {
            for t in 0..<classes { for p in 0..<classes { matrix[t][p] += counts[s * cells + t * classes + p] } }
        }
        return dataset.share?.sum(matrix) ?? matrix
    }
}
