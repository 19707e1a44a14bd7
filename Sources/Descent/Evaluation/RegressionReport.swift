import Foundation

/// The test figures of a regression: root mean squared error, mean absolute error and the
/// coefficient of determination R^2 (scikit-learn's `mean_squared_error` square-rooted,
/// `mean_absolute_error` and `r2_score`).
///
/// Each chunk's sums are taken in row order in float64 and combined by the fixed tree over
/// chunks (and ranks), so the figures have the same bits for every thread count and rank
/// count. R^2 uses the test targets' own mean (two passes), as `r2_score` does.
public struct RegressionReport: Sendable, Equatable {
    public var rmse: Double
    public var mae: Double
    /// 1 - SS_res / SS_tot; when every target is the same, 1 for a perfect fit and 0
    /// otherwise (scikit-learn's `force_finite`).
    public var r2: Double
    public var rows: Int

    public init(rmse: Double, mae: Double, r2: Double, rows: Int) {
        self.rmse = rmse
        self.mae = mae
        self.r2 = r2
        self.rows = rows
    }

    /// The figures as `metrics.json` holds them.
    public var json: [String: JSONValue] {
        ["rmse": .init(rmse), "mae": .init(mae), "r2": .init(r2), "rows": .init(rows)]
    }

    /// The report line: "test RMSE 9.98, MAE 7.96, R^2 0.9953 (250000 rows)".
    public var rendered: String {
        "test RMSE: \(Self.short(rmse)), MAE: \(Self.short(mae)), R^2: \(formatFixed(r2, digits: 4)) (\(rows) rows)"
    }

    static func short(_ value: Double) -> String {
        abs(value) >= 1e-3 && abs(value) < 1e6 ? String(format: "%.4g", value) : String(format: "%.4e", value)
    }

    /// The figures of the linear model `weights` (`features + 1` values, bias last) on the
    /// targets of `dataset` (a collective call over ranks).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func of<T: KernelScalar>(_ dataset: Dataset<T>, weights: [T], executor: ShardedExecutor)
        -> RegressionReport
    {
        precondition(dataset.holdsTargets, "a regression report needs targets")
        let n = dataset.rowCount
        // Pass 1: the targets' mean; pass 2: squared and absolute residuals and squared deviations.
        let targetSum = sums(dataset, weights: weights, executor: executor, stride: 1) { _, y, out in out[0] += y }
        let mean = targetSum[0] / Double(max(n, 1))
        let figures = sums(dataset, weights: weights, executor: executor, stride: 3) { z, y, out in
            let r = z - y
            out[0] += r * r
            out[1] += abs(r)
            out[2] += (y - mean) * (y - mean)
        }
        let rows = Double(max(n, 1))
        let r2: Double
        if figures[2] > 0 {
            r2 = 1 - figures[0] / figures[2]
        } else {
            r2 = figures[0] == 0 ? 1 : 0
        }
        return RegressionReport(rmse: (figures[0] / rows).squareRoot(), mae: figures[1] / rows, r2: r2, rows: n)
    }

    /// `stride` sums over every row of `term(prediction, target, sums)`, chunk by chunk on the
    /// shards' threads, reduced by the fixed tree (and over ranks).
    static func sums<T: KernelScalar>(
        _ dataset: Dataset<T>, weights: [T], executor: ShardedExecutor, stride: Int,
        _ term: @escaping (Double, Double, UnsafeMutablePointer<Double>) -> Void
    ) -> [Double] {
        let chunks = dataset.chunks
        let plan = dataset.placement
        let d = dataset.featureCount
        let count = max(1, chunks.chunkCount)
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: count * stride)
        partials.initialize(repeating: 0, count: count * stride)
        defer { partials.deallocate() }
        weights.withUnsafeBufferPointer { w in
            let box = UncheckedBox((partials, w.baseAddress!))
            executor.run(iterations: plan.shards.count, node: { plan.node(ofShard: $0) }) { s in
                let predicted = UnsafeMutablePointer<T>.allocate(capacity: chunks.chunkRows)
                defer { predicted.deallocate() }
                for chunk in plan.shards[s].chunks {
                    let rows = chunks.rows(ofChunk: chunk).count
                    if let sparse = dataset.sparse {
                        PredictionKernel.predictSparseValues(
                            weights: box.value.1, features: d, offsets: sparse.offsets(chunk),
                            indices: sparse.indices(chunk), values: sparse.values(chunk), rows: rows, into: predicted)
                    } else {
                        PredictionKernel.predictValues(
                            weights: box.value.1, features: d, block: dataset.block(chunk),
                            stride: chunks.chunkRows, rows: rows, into: predicted)
                    }
                    let targets = dataset.labels(chunk).assumingMemoryBound(to: T.self)
                    let out = box.value.0 + chunk * stride
                    for i in 0..<rows { term(Double(predicted[i]), Double(targets[i]), out) }
                }
            }
        }
        if let share = dataset.share {
            share.reduce(partials, stride: stride)
        } else {
            FixedOrderReduction.reduce(partials, count: count, stride: stride)
        }
        return (0..<stride).map { partials[$0] }
    }
}
