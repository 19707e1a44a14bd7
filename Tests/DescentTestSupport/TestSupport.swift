import Descent
import Foundation
import Testing

/// The tutorial's loop, written straight from its text in plain Swift: no chunks, no SIMD,
/// libm's exp, one row at a time. The sharded path is compared against it.
///
///     preds = sigmoid_activation(trainX.dot(W))
///     error = preds - trainY
///     loss = np.sum(error ** 2)
///     d = error * sigmoid_deriv(preds)
///     gradient = trainX.T.dot(d)
///     W += -args["alpha"] * gradient
package func tutorialReference(x: [[Double]], y: [Double], weights initial: [Double], alpha: Double, epochs: Int) -> (
    losses: [Double], weights: [Double]
) {
    var w = initial
    var losses: [Double] = []
    for _ in 0..<epochs {
        var gradient = [Double](repeating: 0, count: w.count)
        var loss = 0.0
        for (row, label) in zip(x, y) {
            let xb = row + [1.0]  // the bias trick: a column of ones, last
            var dot = 0.0
            for j in 0..<xb.count { dot += xb[j] * w[j] }
            let pred = 1.0 / (1 + Foundation.exp(-dot))
            let error = pred - label
            loss += error * error
            let d = error * (pred * (1 - pred))
            for j in 0..<xb.count { gradient[j] += xb[j] * d }
        }
        losses.append(loss)
        for j in 0..<w.count { w[j] += -alpha * gradient[j] }
    }
    return (losses, w)
}

/// A dataset from plain arrays (rows of features, labels, and optionally row weights), for tests.
package func makeDataset<T: KernelScalar>(
    _ x: [[Double]], _ y: [Int], classes: Int = 2, chunkRows: Int = ChunkPlan.defaultChunkRows,
    threads: Int = 1, policy: NUMAPolicy = .auto, rowWeights: [Double]? = nil, as _: T.Type = T.self
) -> Dataset<T> {
    let d = x.first?.count ?? 1
    return Dataset<T>(
        rowCount: x.count, featureCount: d, classCount: classes, chunkRows: chunkRows, placement: policy,
        executor: ShardedExecutor(threads: threads), weighted: rowWeights != nil
    ) { rows, block, stride in
        for (local, row) in rows.enumerated() {
            for j in 0..<d { block[j * stride + local] = T(x[row][j]) }
            block[d * stride + local] = T(y[row])
            if let rowWeights { block[(d + 1) * stride + local] = T(rowWeights[row]) }
        }
    }
}

/// A regression dataset from plain arrays (rows of features, targets, optionally row weights).
package func makeRegressionDataset<T: KernelScalar>(
    _ x: [[Double]], _ targets: [Double], chunkRows: Int = ChunkPlan.defaultChunkRows, threads: Int = 1,
    policy: NUMAPolicy = .auto, rowWeights: [Double]? = nil, as _: T.Type = T.self
) -> Dataset<T> {
    let d = x.first?.count ?? 1
    let dataset = Dataset<T>(
        rowCount: x.count, featureCount: d, classCount: 1, chunkRows: chunkRows, placement: policy,
        executor: ShardedExecutor(threads: threads), packingLabels: false, weighted: rowWeights != nil
    ) { rows, block, stride in
        for (local, row) in rows.enumerated() {
            for j in 0..<d { block[j * stride + local] = T(x[row][j]) }
            block[d * stride + local] = T(targets[row])
            if let rowWeights { block[(d + 1) * stride + local] = T(rowWeights[row]) }
        }
    }
    dataset.holdTargets()
    return dataset
}

/// Regression rows as plain arrays (``RegressionGenerator``).
package func regressionRows(samples: Int, features: Int = 3, noise: Double = 10, seed: UInt64 = 1) -> (
    [[Double]], [Double]
) {
    let g = RegressionGenerator(samples: samples, features: features, noise: noise, seed: seed)
    return ((0..<samples).map { r in (0..<features).map { g.value(r, $0) } }, (0..<samples).map { g.target($0) })
}

/// Blob rows as plain arrays.
package func blobRows(samples: Int, features: Int = 2, centers: Int = 2, std: Double = 1.5, seed: UInt64 = 1) -> (
    [[Double]], [Int]
) {
    let g = BlobGenerator(samples: samples, features: features, centers: centers, clusterStd: std, seed: seed)
    return ((0..<samples).map { r in (0..<features).map { g.value(r, $0) } }, (0..<samples).map { g.label($0) })
}

/// Trains with the library and returns the loss curve and final weights.
package func trainLibrary<T: KernelScalar>(
    _ dataset: Dataset<T>, _ configuration: TrainingConfiguration, threads: Int,
    initial: [T]? = nil, validation: Dataset<T>? = nil
) -> TrainingResult<T> {
    let trainer = Trainer<T>(
        configuration: configuration, train: dataset, validation: validation,
        executor: ShardedExecutor(threads: threads))
    let start = initial ?? Trainer<T>.initialWeights(count: trainer.parameterCount, seed: configuration.seed)
    return trainer.run(initialWeights: start)
}

/// Bit patterns, for exact comparisons that also distinguish -0 from +0 and NaN payloads.
package func bits<T: KernelScalar>(_ values: [T]) -> [UInt64] {
    values.map { v in
        if let d = v as? Double { return d.bitPattern }
        return UInt64((v as! Float).bitPattern)
    }
}

/// The determinism check of a training path: `fingerprint(threads, policy)`, the bits of a
/// run's losses and weights, at 1 thread with NUMA auto, then at each of `threadCounts` and at
/// 3 threads under each of `policies`, must all be the first run's bits.
package func expectSameBitsOverThreadsAndPolicies(
    _ what: String, threadCounts: [Int] = [2, 3, 8], policies: [NUMAPolicy] = [.off, .interleave],
    sourceLocation: SourceLocation = #_sourceLocation, _ fingerprint: (Int, NUMAPolicy) -> [UInt64]
) {
    let serial = fingerprint(1, .auto)
    for threads in threadCounts {
        #expect(fingerprint(threads, .auto) == serial, "\(what): \(threads) threads", sourceLocation: sourceLocation)
    }
    for policy in policies {
        #expect(fingerprint(3, policy) == serial, "\(what): NUMA \(policy)", sourceLocation: sourceLocation)
    }
}

/// SplitMix64, a seeded generator for randomised tests: the same cases on every run, so a
/// failing seed can be run again.
package struct SplitMix64: RandomNumberGenerator {
    package var state: UInt64

    package init(state: UInt64) { self.state = state }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in 0 ..< n.
    package mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// The rows of `makeDataset` (or, with `targets`, of `makeRegressionDataset`) as a sparse
/// dataset: each row's non-zero features in compressed-row form (``SparseRows``).
package func makeSparseDataset<T: KernelScalar>(
    _ x: [[Double]], _ y: [Int], targets: [Double]? = nil, classes: Int = 2,
    chunkRows: Int = ChunkPlan.defaultChunkRows, threads: Int = 1, policy: NUMAPolicy = .auto,
    rowWeights: [Double]? = nil, as type: T.Type = T.self
) -> Dataset<T> {
    makeSparseDataset(
        entries: x.map { row in row.indices.filter { row[$0] != 0 }.map { ($0, row[$0]) } },
        features: x.first?.count ?? 1, y, targets: targets, classes: classes, chunkRows: chunkRows, threads: threads,
        policy: policy, rowWeights: rowWeights, as: type)
}

/// A sparse dataset of `features` features from each row's (index, value) entries, indices
/// increasing.
package func makeSparseDataset<T: KernelScalar>(
    entries x: [[(Int, Double)]], features d: Int, _ y: [Int], targets: [Double]? = nil, classes: Int = 2,
    chunkRows: Int = ChunkPlan.defaultChunkRows, threads: Int = 1, policy: NUMAPolicy = .auto,
    rowWeights: [Double]? = nil, as _: T.Type = T.self
) -> Dataset<T> {
    let executor = ShardedExecutor(threads: threads)
    let chunks = ChunkPlan(rowCount: x.count, chunkRows: chunkRows)
    let plan = PlacementPlan(
        chunkCount: chunks.chunkCount, shardCount: threads, topology: .current, policy: policy)
    let entries = x.map { Int32($0.count) }
    let rows = entries.withUnsafeBufferPointer {
        SparseRows<T>(chunks: chunks, placement: plan, entriesOfRow: $0, executor: executor)
    }
    for chunk in 0..<chunks.chunkCount {
        let offsets = rows.offsets(chunk)
        for (local, r) in chunks.rows(ofChunk: chunk).enumerated() {
            var e = offsets[local]
            for (j, value) in x[r] {
                rows.indices(chunk)[e] = UInt32(j)
                rows.values(chunk)[e] = T(value)
                e += 1
            }
        }
    }
    let dataset = Dataset<T>(
        rowCount: x.count, featureCount: d, classCount: targets == nil ? classes : 1, chunkRows: chunkRows,
        placement: policy, executor: executor, packingLabels: targets == nil, weighted: rowWeights != nil,
        sparse: rows
    ) { range, block, stride in
        for (local, row) in range.enumerated() {
            block[local] = targets.map { T($0[row]) } ?? T(y[row])
            if let rowWeights { block[stride + local] = T(rowWeights[row]) }
        }
    }
    if targets != nil { dataset.holdTargets() }
    return dataset
}
