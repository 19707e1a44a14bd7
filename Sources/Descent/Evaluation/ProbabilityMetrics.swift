/// The test figures of a model that gives class probabilities: the log loss (scikit-learn's
/// `log_loss`) and the area under the ROC curve (`roc_auc_score`: binary, or one-vs-rest
/// macro over the classes of a multi-class model).
///
/// Both have the same bits for every thread count, NUMA policy and rank count: the log loss
/// is the loss kernel's sum over the test set through the fixed-order reduction, and the
/// AUC counts pairs of whole numbers over the rows sorted by their probabilities.
public struct ProbabilityMetrics: Sendable, Equatable {
    /// The mean over test rows of -log p(true class), from the scores (`softplus(z) - y z`,
    /// the log-sum-exp form for softmax), so a confident mistake costs what it costs: no
    /// clipping of p to [eps, 1 - eps] as scikit-learn's `log_loss` does (the two differ
    /// only for rows whose p(true class) is below 2.2e-16).
    public var logLoss: Double
    /// The ROC AUC: for a binary model, of p(class 1); for more classes, the mean over the
    /// classes of each one's AUC against the rest, from its softmax probability. Tied
    /// probabilities count half, as in scikit-learn. Nil when the test set lacks a class
    /// (the AUC of a class needs rows in it and rows outside it), or when classes x test rows
    /// is over ``maximumRankedValues``.
    public var rocAUC: Double?

    /// The most probabilities ranked for the AUC (classes x test rows): they and the sort's
    /// keys take 24 bytes each in float64 (1.2 GB at this limit), after training; past it
    /// the run skips the AUC rather than sort for minutes.
    public static let maximumRankedValues = 50_000_000

    public init(logLoss: Double, rocAUC: Double?) {
        self.logLoss = logLoss
        self.rocAUC = rocAUC
    }

    /// The figures as `metrics.json` holds them (a missing AUC is null).
    public var json: [String: JSONValue] {
        ["log-loss": .init(logLoss), "roc-auc": rocAUC.map { JSONValue($0) } ?? .null]
    }

    /// One line for the report: "log loss 0.0812, ROC AUC 0.9931".
    public var rendered: String {
        "test log loss: \(formatFixed(logLoss, digits: 4)), ROC AUC: "
            + (rocAUC.map { formatFixed($0, digits: 4) } ?? "n/a (a class has no test rows)")
    }

    /// The figures of `weights` on `dataset` (a collective call over ranks). Nil for the
    /// hinge loss, whose models give no probabilities, and for an empty dataset.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func of<T: KernelScalar>(
        _ dataset: Dataset<T>, weights: [T], loss: Loss, executor: ShardedExecutor
    ) -> ProbabilityMetrics? {
        guard loss != .hinge, dataset.rowCount > 0 else { return nil }
        let classCount = dataset.classCount
        let outputs = loss.outputCount(classCount: classCount)
        // -log p(y) of a sigmoid model is the log loss's kernel value, of a softmax model
        // the cross-entropy's, whatever loss trained the weights.
        let evaluator = GradientEvaluator(
            dataset: dataset, loss: outputs == 1 ? .logLoss : .crossEntropy, executor: executor, rowWeights: false)
        var gradient = [T](repeating: 0, count: evaluator.parameterCount)
        let sum = weights.withUnsafeBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer {
                evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!)
            }
        }
        let logLoss = Double(sum) / Double(dataset.rowCount)
        guard classCount * dataset.rowCount <= maximumRankedValues else {
            return ProbabilityMetrics(logLoss: logLoss, rocAUC: nil)
        }
        var labelled = PredictionKernel.predict(
            dataset, weights: weights, loss: loss, classCount: classCount, probabilities: true, executor: executor)
        // The true classes where the predicted ones were, so that over ranks one gather
        // brings every row's label and probabilities to every rank.
        let held = dataset.chunks.rows(ofChunks: dataset.ownedChunks)
        for row in held { labelled.classes[row] = Int32(dataset.label(row)) }
        if let share = dataset.share { labelled = labelled.gathered(share, chunks: dataset.chunks) }
        let auc = labelled.probabilities.withUnsafeBufferPointer { p in
            labelled.classes.withUnsafeBufferPointer { y in
                rocAUC(probabilities: p, labels: y, classCount: classCount)
            }
        }
        return ProbabilityMetrics(logLoss: logLoss, rocAUC: auc)
    }

    /// The ROC AUC of row-major `probabilities` (`classCount` a row) against class indices:
    /// of column 1 for two classes, else the macro mean of each column against the rest.
    /// Nil when a class (of the two, or of the many) has no rows, or a probability is NaN.
    package static func rocAUC<T: KernelScalar>(
        probabilities: UnsafeBufferPointer<T>, labels: UnsafeBufferPointer<Int32>, classCount: Int
    ) -> Double? {
        let n = labels.count
        guard classCount >= 2, probabilities.count == n * classCount else { return nil }
        let columns = classCount == 2 ? [1] : Array(0..<classCount)
        var keys = [UInt64](repeating: 0, count: n)
        var scratch = [UInt64](repeating: 0, count: n)
        var total = 0.0
        for c in columns {
            for i in 0..<n {
                let p = Double(probabilities[i * classCount + c])
                guard p >= 0 else { return nil }  // NaN (or a negative, which no model gives)
                // For p >= 0 the bit pattern orders as the value does; the shift drops the
                // sign bit (so -0 and +0 are one value) and the lowest bit carries whether
                // the row is of class c.
                keys[i] = p.bitPattern << 1 | (labels[i] == Int32(c) ? 1 : 0)
            }
            RadixSort.sort(&keys, scratch: &scratch)
            guard let auc = aucOfSorted(keys) else { return nil }
            total += auc
        }
        return total / Double(columns.count)
    }

    /// The AUC of keys sorted ascending (value bits << 1 | positive): each positive counts
    /// the negatives below it plus half of those tied with it. In whole numbers (doubled),
    /// so exact up to 2^62 pairs.
    static func aucOfSorted(_ keys: [UInt64]) -> Double? {
        var negativesBelow = 0
        var positives = 0
        var doubledPairs = 0
        var i = 0
        while i < keys.count {
            let value = keys[i] >> 1
            var negatives = 0
            var tiedPositives = 0
            while i < keys.count && keys[i] >> 1 == value {
                if keys[i] & 1 == 1 { tiedPositives += 1 } else { negatives += 1 }
                i += 1
            }
            doubledPairs += tiedPositives * (2 * negativesBelow + negatives)
            negativesBelow += negatives
            positives += tiedPositives
        }
        guard positives > 0, negativesBelow > 0 else { return nil }
        return Double(doubledPairs) / (2 * Double(positives) * Double(negativesBelow))
    }
}

/// Least-significant-digit radix sort of 64-bit keys, 16 bits a pass; a pass whose digit is
/// the same in every key is skipped (probabilities in [0, 1] share their top bits).
package enum RadixSort {
    package static func sort(_ keys: inout [UInt64], scratch: inout [UInt64]) {
        let n = keys.count
        guard n > 1 else { return }
        if scratch.count < n { scratch = [UInt64](repeating: 0, count: n) }
        var counts = [Int](repeating: 0, count: 1 << 16)
        for shift in Swift.stride(from: 0, to: 64, by: 16) {
            for k in counts.indices { counts[k] = 0 }
            for key in keys { counts[Int(truncatingIfNeeded: key >> UInt64(shift)) & 0xFFFF] += 1 }
            if counts[Int(truncatingIfNeeded: keys[0] >> UInt64(shift)) & 0xFFFF] == n { continue }
            var start = 0
            for k in counts.indices {
                let c = counts[k]
                counts[k] = start
                start += c
            }
            for key in keys {
                let digit = Int(truncatingIfNeeded: key >> UInt64(shift)) & 0xFFFF
                scratch[counts[digit]] = key
                counts[digit] += 1
            }
            swap(&keys, &scratch)
        }
    }
}
