import ArgumentParser
import Descent
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every thread count gives the serial run's bits, and that the plain reference agrees.",
        discussion: """
            Trains the same configuration (the flags and --config of `descent train`) once per \
            thread count in --threads-list, the first being the serial run (1 thread), and once \
            with the plain reference implementation (row by row, float64, libm exp and log, no \
            chunks, no SIMD, no threads). Prints, per thread count: the final loss, a hash of the \
            final weights' bits, whether loss curve and weights are bit-identical to the serial \
            run, the first epoch at which they differ, and the largest relative difference from \
            the reference.

            Under mpirun (the MPI build), rank 0 first trains the serial run alone, as one \
            process; then all ranks train together once per thread count in --threads-list \
            (each rank with that many threads), and every such run is compared with the \
            one-process serial run. Rank 0 prints the table.

            Exit status: 0 when every thread count matches the serial run bit for bit and the \
            reference agrees within the tolerance (float64 1e-9, float32 1e-3); 1 otherwise; 2 \
            for bad input.
            """
    )

    @OptionGroup var options: RunOptions

    @Option(
        name: .customLong("threads-list"),
        help: "Comma-separated thread counts; 1 is added first if missing. Oversubscribing is fine.")
    var threadsList: String = "1,2,3,4,8,16"

    @Flag(help: "Print the report as JSON.") var json = false

    /// The files verify writes into --output.
    static func owns(_ name: String) -> Bool {
        name == "loss-reference.csv"
            || ((name.hasPrefix("loss-threads-") || name.hasPrefix("loss-ranks-")) && name.hasSuffix(".csv"))
    }

    func run() throws {
        Interrupts.install()
        var folder: RunFolder?
        do {
            try Ranks.start()
            if options.resume != nil || options.checkpointEvery != nil {
                throw DescentError.configuration(
                    "verify runs every thread count from the start; --resume and --checkpoint-every are for descent train"
                )
            }
            var configuration = try options.makeConfiguration()
            let counts = try parseThreadCounts()
            let ranks = try Ranks.join(configuration, command: "verify", extra: "\(counts)")
            if Ranks.quiet { configuration.output = nil }
            if let output = configuration.output {
                folder = try Interrupts.watching {
                    try RunFolder(target: output, overwrite: options.overwrite, owns: VerifyCommand.owns)
                }
            }
            let passed: Bool
            switch configuration.precision {
            case .float64: passed = try verify(configuration, counts, folder: folder, ranks: ranks, as: Double.self)
            case .float32: passed = try verify(configuration, counts, folder: folder, ranks: ranks, as: Float.self)
            }
            try folder?.commit()
            try Exit.checkStandardOutput()
            if !passed { throw ExitCode(1) }
            Ranks.finish()
        } catch let exit as ExitCode {
            throw Ranks.fail(exit)
        } catch {
            folder?.abandon()
            throw Ranks.fail(error)
        }
    }

    func parseThreadCounts() throws -> [Int] {
        let parts = threadsList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let counts = try parts.map { part -> Int in
            guard let n = Int(part), n >= 1, n <= RunConfiguration.maximumThreads else {
                throw DescentError.configuration(
                    "--threads-list must be thread counts from 1 to \(RunConfiguration.maximumThreads) separated by commas, like 1,2,4 (got '\(threadsList)')"
                )
            }
            return n
        }
        guard !counts.isEmpty else {
            throw DescentError.configuration(
                "--threads-list needs at least one thread count to compare with the serial run, like 1,2,4 (got '\(threadsList)')"
            )
        }
        var out = [1]
        for n in counts where !out.contains(n) { out.append(n) }
        return out
    }

    func verify<T: KernelScalar>(
        _ base: RunConfiguration, _ counts: [Int], folder: RunFolder?, ranks: RankGroup?,
        as type: T.Type
    ) throws -> Bool {
        let run = try VerificationRun.run(base, counts: counts, ranks: ranks, as: type) { threads, group, result in
            guard !json else { return }
            let over =
                group.map { " per rank x \($0.size) ranks" } ?? (ranks != nil ? " (one process, rank 0 alone)" : "")
            note(
                "[INFO] \(threads) thread\(threads == 1 ? "" : "s")\(over): \(result.training.history.count) epochs in \(String(format: "%.3f", result.trainSeconds)) s"
            )
        }
        guard let run else { return true }  // rank 0 compares and reports
        let first = run.serial
        if json {
            let object: JSONValue = [
                "precision": .init(T.precisionName), "epochs": .init(first.training.history.count),
                "tolerance": .init(run.tolerance),
                "identical": .init(run.identical), "reference-agrees": .init(run.agrees), "passed": .init(run.passed),
                "reference-final-loss": .init(run.reference.losses.last ?? 0),
                "runs": .array(
                    run.rows.enumerated().map { index, r in
                        var o: [String: JSONValue] = [
                            "threads": .init(r.threads), "final-loss": .init(r.finalLoss),
                            "weights-hash": .init(r.weightsHash),
                            "identical-to-serial": .init(r.identicalToSerial),
                            "reference-difference": .init(r.referenceDifference),
                        ]
                        if let e = r.firstDifferentEpoch { o["first-different-epoch"] = .init(e) }
                        if let ranks { o["ranks"] = .init(index == 0 ? 1 : ranks.size) }
                        return .object(o)
                    }),
            ]
            print(object.text())
        } else {
            let t = first.trainingConfiguration
            let sgd =
                t.optimizer == .sgd
                ? " batch \(t.batchSize)"
                    + (t.workers > 1 ? ", workers \(t.workers) averaged every \(t.resolvedSyncEvery) batches" : "") : ""
            print(
                "verify: \(T.precisionName), \(t.resolvedSolver == .lbfgs ? "lbfgs" : t.optimizer.rawValue)\(sgd), \(first.loss.rawValue), \(first.data.train.rowCount) training rows, \(first.training.history.count) epochs"
            )
            if let ranks {
                print(
                    "over \(ranks.size) MPI ranks: the first row is one process with 1 thread; each other row is \(ranks.size) ranks x that many threads per rank"
                )
            }
            print("threads  final loss           weights hash      same bits as serial  first difference  vs reference")
            for (index, r) in run.rows.enumerated() {
                let same = index == 0 ? "yes (serial)" : (r.identicalToSerial ? "yes" : "NO")
                let firstDifference = r.firstDifferentEpoch.map { "epoch \($0)" } ?? "-"
                print(
                    pad(String(r.threads), 7) + "  " + String(format: "%-19.12g", r.finalLoss) + "  " + r.weightsHash
                        + "  "
                        + same.padding(toLength: 19, withPad: " ", startingAt: 0) + "  "
                        + firstDifference.padding(toLength: 16, withPad: " ", startingAt: 0) + "  "
                        + String(format: "%.2e", r.referenceDifference))
            }
            print(
                "plain reference: final loss \(String(format: "%.12g", run.reference.losses.last ?? 0)); tolerance \(String(format: "%.0e", run.tolerance)) relative"
            )
            print(
                run.passed
                    ? "PASS: every thread count gives the serial run's bits; the reference agrees within the tolerance"
                    : "FAIL: " + (run.identical ? "" : "some thread counts differ from the serial run; ")
                        + (run.agrees
                            ? ""
                            : "the plain reference differs by \(String(format: "%.2e", run.rows[0].referenceDifference))")
            )
        }
        if let folder {
            for file in run.lossFiles(ranks: ranks?.size) { try folder.write(file.name, file.contents) }
        }
        return run.passed
    }

    func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}
