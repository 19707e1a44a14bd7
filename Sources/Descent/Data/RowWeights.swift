/// Row weights (``Dataset/weightOffset``): the checks on the weights a file gives
/// (`--weight-column`) and the class weights (`--class-weight`), multiplied into them.
///
/// A row's weight multiplies its loss and its gradient; the mean over rows still divides by
/// the row count, so the objective is `(1/n) sum w_i loss_i + penalty`. scikit-learn divides
/// by the sum of the weights instead, and scales its penalty by it too (`1 / (C sum w)`),
/// which is the same objective times a constant: the same minimum, so `C = 1 / (n L)` holds
/// for weighted rows as for plain ones.
package enum RowWeights {
    /// Checks the weights read from the files (finite, >= 0, not all 0 in the training set),
    /// then gives the training and validation rows their `--class-weight`. A collective call
    /// over ranks: every rank sees the same counts, so all of them fail alike.
    ///
    /// - Throws: ``DescentError/input(_:)`` naming `--weight-column` for a negative or
    ///   non-finite weight, or a training set whose weights are all 0.
    static func prepare<T: KernelScalar>(_ data: PreparedData<T>, source: DataSource, executor: ShardedExecutor) throws
    {
        if let column = source.weightColumn {
            let sets: [(String, Dataset<T>?)] = [
                ("training", data.train), ("validation", data.validation), ("test", data.test),
            ]
            for (name, set) in sets {
                guard let set, set.weightOffset != nil else { continue }
                let (bad, positive, example) = scan(set)
                let counts = set.share?.sum([bad, positive]) ?? [bad, positive]
                if counts[0] > 0 {
                    throw DescentError.input(
                        "--weight-column '\(column)': \(counts[0]) row\(counts[0] == 1 ? "" : "s") of the \(name) set "
                            + "\(counts[0] == 1 ? "has" : "have") a negative or non-finite weight"
                            + (example.map { " (for example \($0))" } ?? "")
                            + "; row weights must be finite numbers >= 0 (0 leaves a row out)")
                }
                if name == "training" && counts[1] == 0 {
                    throw DescentError.input(
                        "--weight-column '\(column)': every training row weighs 0, which leaves nothing to train on; check the column"
                    )
                }
            }
        }
        guard let classWeight = source.classWeight else { return }
        let fileWeights = source.weightColumn != nil
        let table = classWeights(classWeight, totals: classTotals(data.train, weighted: fileWeights))
        for set in [data.train, data.validation] {
            guard let set else { continue }
            apply(table, to: set, keepingFileWeights: fileWeights)
        }
    }

    /// Each class's total weight among the training rows: its row count, or with `weighted`
    /// the sum of its rows' file weights (in float64, chunk by chunk in row order, then the
    /// fixed tree over chunks and ranks, so the same bits anywhere). A collective call.
    static func classTotals<T: KernelScalar>(_ dataset: Dataset<T>, weighted: Bool) -> [Double] {
        let k = dataset.classCount
        let chunkCount = max(1, dataset.chunks.chunkCount)
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: chunkCount * k)
        partials.initialize(repeating: 0, count: chunkCount * k)
        defer { partials.deallocate() }
        for chunk in dataset.ownedChunks {
            let labels = dataset.labels(chunk)
            let weights = weighted ? dataset.rowWeights(chunk) : nil
            let sums = partials + chunk * k
            for i in 0..<dataset.chunks.rows(ofChunk: chunk).count {
                sums[Dataset<T>.packedLabel(labels, i, bytes: dataset.labelBytes)] += weights.map { Double($0[i]) } ?? 1
            }
        }
        if let share = dataset.share {
            share.reduce(partials, stride: k)
        } else {
            FixedOrderReduction.reduce(partials, count: chunkCount, stride: k)
        }
        return (0..<k).map { partials[$0] }
    }

    /// Each class's weight: for `balanced`, S / (k S_c), where S_c is class c's total
    /// weight (its row count without `--weight-column`), S their sum and k the number of
    /// classes with rows: scikit-learn's `compute_class_weight("balanced", sample_weight=)`.
    /// A class with no weight gets 0.
    package static func classWeights(_ rule: ClassWeight, totals: [Double]) -> [Double] {
        var total = 0.0
        for t in totals { total += t }
        let k = totals.filter { $0 > 0 }.count
        switch rule {
        case .balanced:
            return totals.map { $0 > 0 ? total / (Double(k) * $0) : 0 }
        }
    }

    /// Rows whose weight is negative or not finite, rows whose weight is positive, and one
    /// bad weight to show.
    static func scan<T: KernelScalar>(_ dataset: Dataset<T>) -> (bad: Int, positive: Int, example: String?) {
        var bad = 0
        var positive = 0
        var example: String?
        for chunk in dataset.ownedChunks {
            guard let weights = dataset.rowWeights(chunk) else { continue }
            for i in 0..<dataset.chunks.rows(ofChunk: chunk).count {
                let w = weights[i]
                if !(w >= 0) || !w.isFinite {
                    bad += 1
                    if example == nil { example = "\(w)" }
                } else if w > 0 {
                    positive += 1
                }
            }
        }
        return (bad, positive, example)
    }

    /// Sets each row's weight to its class's (times the file's weight with `keepingFileWeights`).
    static func apply<T: KernelScalar>(_ table: [Double], to dataset: Dataset<T>, keepingFileWeights: Bool) {
        let classWeights = table.map { T($0) }
        for chunk in dataset.ownedChunks {
            guard let weights = dataset.rowWeights(chunk) else { continue }
            let labels = dataset.labels(chunk)
            for i in 0..<dataset.chunks.rows(ofChunk: chunk).count {
                let c = classWeights[Dataset<T>.packedLabel(labels, i, bytes: dataset.labelBytes)]
                weights[i] = keepingFileWeights ? weights[i] * c : c
            }
        }
    }
}
