import Foundation

/// `descent verify`: the same configuration trained serially and at several thread counts,
/// every run compared with the serial one bit for bit, and the serial one with the plain
/// reference (row by row, float64, libm) within a stated tolerance.
package struct VerificationRun<T: KernelScalar> {
    /// The serial run (1 thread, one process).
    package var serial: ExperimentResult<T>
    /// Every run's record, the serial one first.
    package var records: [RunRecord]
    /// The plain reference's loss curve and final weights.
    package var reference: (losses: [Double], weights: [Double])
    /// One row per run, the serial one first.
    package var rows: [VerificationRow]
    package var tolerance: Double
    /// Every run has the serial run's bits.
    package var identical: Bool { rows.allSatisfy(\.identicalToSerial) }
    /// The serial run agrees with the reference within ``tolerance``.
    package var agrees: Bool { rows[0].referenceDifference <= tolerance }
    package var passed: Bool { identical && agrees }

    /// Trains `base` at 1 thread and at each of `counts` (the first of which is 1) and
    /// compares. Over ranks, rank 0 first trains the serial run alone, as one process; then
    /// every rank trains each count together, and rank 0 compares: the others get nil.
    ///
    /// - Parameter onRun: called after each run with its thread count, its ranks and its result.
    /// - Throws: ``DescentError/diverged(_:)`` when the serial run diverges.
    package static func run(
        _ base: RunConfiguration, counts: [Int], ranks: RankGroup?, as type: T.Type,
        onRun: (Int, RankGroup?, ExperimentResult<T>) -> Void = { _, _, _ in }
    ) throws -> VerificationRun<T>? {
        var records: [RunRecord] = []
        var serial: ExperimentResult<T>?
        let runs: [(threads: Int, ranks: RankGroup?)] =
            ranks.map { group in
                (group.rank == 0 ? [(1, nil)] : []) + counts.map { ($0, group) }
            } ?? counts.map { ($0, nil) }
        for (threads, group) in runs {
            var configuration = base
            configuration.threads = threads
            let data = try Experiment.prepare(configuration, as: type, ranks: group)
            let result = try Experiment.run(configuration, data: data)
            if case .diverged(let epoch) = result.training.stopReason, serial == nil {
                throw DescentError.diverged(
                    "the serial run diverged at epoch \(epoch); verify a configuration that trains (try a smaller --alpha)"
                )
            }
            records.append(
                RunRecord(threads: threads, history: result.training.history, weights: result.training.weights))
            if serial == nil { serial = result }
            onRun(threads, group, result)
        }
        if let ranks, ranks.rank != 0 { return nil }  // rank 0 compares and reports
        let first = serial!
        let reference = PlainReference.train(
            first.trainingConfiguration, dataset: first.data.train,
            initial: first.initialWeights, epochs: first.training.history.count)
        // With early stopping on validation data the run keeps its best weights, which the
        // reference does not track: compare the loss curves then.
        let keptFinal = first.training.keptEpoch == first.training.history.count
        let rows = Verifier.rows(
            serial: records[0], runs: Array(records.dropFirst()),
            reference: (reference.losses, keptFinal ? reference.weights : records[0].weights),
            lbfgs: first.trainingConfiguration.resolvedSolver == .lbfgs)
        return VerificationRun(
            serial: first, records: records, reference: reference, rows: rows,
            tolerance: Verifier.tolerance(for: base.precision))
    }

    /// The loss curves as CSV files, by name: one a run (`loss-threads-N.csv`, or over `ranks`
    /// ranks `loss-ranks-R-threads-N.csv` after the serial one) and the reference's.
    package func lossFiles(ranks: Int?) -> [(name: String, contents: Data)] {
        func csv(_ losses: [Double]) -> Data {
            var text = "epoch,loss\n"
            for (i, loss) in losses.enumerated() { text += "\(i + 1),\(loss)\n" }
            return Data(text.utf8)
        }
        var files = records.enumerated().map { index, record in
            (
                name: ranks != nil && index > 0
                    ? "loss-ranks-\(ranks!)-threads-\(record.threads).csv" : "loss-threads-\(record.threads).csv",
                contents: csv(record.losses)
            )
        }
        files.append(("loss-reference.csv", csv(reference.losses)))
        return files
    }
}
