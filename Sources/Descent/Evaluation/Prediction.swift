/// Predicted classes (and class probabilities) of every row of a dataset under a model.
public struct Predictions<T: KernelScalar>: Sendable {
    /// The predicted class of each row.
    public var classes: [Int32]
    /// With probabilities: `rowCount x classCount`, row-major (for a binary sigmoid model
    /// class 0 gets 1 - p and class 1 gets p); empty without.
    public var probabilities: [T]
    public var classCount: Int

    /// The confusion matrix (true class x predicted class) against the dataset's labels.
    /// Over ranks each rank counts the rows it holds and the counts are summed (exact; a
    /// collective call).
    public func confusion(against dataset: Dataset<T>) -> [[Int]] {
        let rows = Self.rows(ofChunks: dataset.ownedChunks, chunkRows: dataset.blockStride, rowCount: dataset.rowCount)
        var counts = [Int](repeating: 0, count: classCount * classCount)
        for row in rows { counts[dataset.label(row) * classCount + Int(classes[row])] += 1 }
        if let share = dataset.share { counts = share.sum(counts) }
        return (0..<classCount).map { Array(counts[$0 * classCount..<($0 + 1) * classCount]) }
    }

    /// The rows of a range of chunks.
    static func rows(ofChunks chunks: Range<Int>, chunkRows: Int, rowCount: Int) -> Range<Int> {
        min(chunks.lowerBound * chunkRows, rowCount)..<min(chunks.upperBound * chunkRows, rowCount)
    }

    /// Every rank's predictions of the rows it holds, put together on every rank (a
    /// collective call): rank r predicted the rows of its chunks `share.ranges[r]`, which
    /// follow each other in rank order, so the all-gather lays them out in row order.
    public func gathered(_ share: RankShare, chunkRows: Int) -> Predictions<T> {
        let n = classes.count
        let rows = share.ranges.map { Self.rows(ofChunks: $0, chunkRows: chunkRows, rowCount: n) }
        let mine = rows[share.communicator.rank]
        var out = self
        func gather<E>(_ source: [E], width: Int, into destination: inout [E]) {
            let size = MemoryLayout<E>.stride * width
            source.withUnsafeBytes { local in
                destination.withUnsafeMutableBytes { all in
                    share.communicator.allGather(UnsafeRawBufferPointer(rebasing: local[mine.lowerBound * size..<mine.upperBound * size]),
                                                 counts: rows.map { $0.count * size }, into: all)
                }
            }
        }
        gather(classes, width: 1, into: &out.classes)
        if !probabilities.isEmpty { gather(probabilities, width: classCount, into: &out.probabilities) }
        return out
    }
}

extension PredictionKernel {
    /// Predicts every row of `dataset`: chunks in parallel on their shards' nodes, the same
    /// arithmetic as ``countContiguous(weights:features:outputs:classes:block:stride:rows:into:)``
    /// (so the classes are those of the training report), each row independent of the
    /// others, so the result is the same for every thread count.
    ///
    /// Probabilities use the kernels' own exp: a sigmoid for binary models, a softmax
    /// (exp(z_k - max z) / sum) for multi-class ones.
    ///
    /// - Precondition: `weights` has `outputs * (featureCount + 1)` values and
    ///   `probabilities` is false for the hinge loss (it has none).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func predict<T: KernelScalar>(_ dataset: Dataset<T>, weights: [T], loss: Loss, classCount: Int,
                                                probabilities: Bool, executor: ShardedExecutor) -> Predictions<T> {
        let outputs = loss.outputCount(classCount: classCount)
        let d = dataset.featureCount
        precondition(weights.count == outputs * (d + 1), "weights do not fit the dataset")
        precondition(!(probabilities && loss == .hinge), "hinge models have no probabilities")
        let n = dataset.rowCount
        var classes = [Int32](repeating: 0, count: n)
        var proba = [T](repeating: 0, count: probabilities ? n * classCount : 0)
        let plan = dataset.placement, chunks = dataset.chunks
        classes.withUnsafeMutableBufferPointer { classes in
            proba.withUnsafeMutableBufferPointer { proba in
                weights.withUnsafeBufferPointer { w in
                    // An empty array's buffer may still have an address: no probabilities means nil.
                    let box = UncheckedBox((classes.baseAddress!, probabilities ? proba.baseAddress : nil, w.baseAddress!))
                    executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
                        for chunk in plan.shards[s].chunks {
                            let rows = chunks.rows(ofChunk: chunk)
                            predictContiguous(weights: box.value.2, features: d, outputs: outputs, classCount: classCount,
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

    /// Predicts `rows` consecutive rows of a block.
    @inlinable
    static func predictContiguous<T: KernelScalar>(
        weights: UnsafePointer<T>, features: Int, outputs: Int, classCount: Int,
        block: UnsafePointer<T>, stride: Int, rows: Int,
        classes: UnsafeMutablePointer<Int32>, probabilities: UnsafeMutablePointer<T>?
    ) {
        let lanes = T.lanes
        withUnsafeTemporaryAllocation(of: T.Vector.self, capacity: outputs) { scores in
            var start = 0
            while start < rows {
                let count = min(lanes, rows - start)
                @inline(__always) func load(_ column: Int) -> T.Vector {
                    if count == lanes { return UnsafeRawPointer(block + column * stride + start).loadUnaligned(as: T.Vector.self) }
                    var v = T.Vector(repeating: 0)
                    for lane in 0..<count { v[lane] = block[column * stride + start + lane] }
                    return v
                }
                let best = PredictionKernel.classes(weights: weights, features: features, outputs: outputs,
                                                    scores: scores.baseAddress!, load: load)
                for lane in 0..<count { classes[start + lane] = Int32(RowSink<T>.integer(best[lane])) }
                if let probabilities {
                    if outputs == 1 {
                        let p = T.vectorSigmoid(scores[0])
                        let q = T.Vector(repeating: 1) - p
                        for lane in 0..<count {
                            probabilities[(start + lane) * 2] = q[lane]
                            probabilities[(start + lane) * 2 + 1] = p[lane]
                        }
                    } else {
                        // The largest score, in the order the class choice took it.
                        var bestScore = scores[0]
                        for k in 1..<outputs { bestScore = T.maximum(scores[k], bestScore) }
                        var total = T.Vector(repeating: 0)
                        for k in 0..<outputs {
                            scores[k] = T.vectorExp(scores[k] - bestScore)
                            total = total + scores[k]
                        }
                        for k in 0..<outputs {
                            let p = scores[k] / total
                            for lane in 0..<count { probabilities[(start + lane) * classCount + k] = p[lane] }
                        }
                    }
                }
                start += lanes
            }
        }
    }
}
