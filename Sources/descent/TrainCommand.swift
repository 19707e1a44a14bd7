import ArgumentParser
import Descent
import Dispatch
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier; with no arguments, the gradient-descent tutorial's experiment.",
        discussion: """
            Prints the tutorial's lines ([INFO] training..., the loss at epoch 1 and every 5th \
            epoch, [INFO] evaluating...), then scikit-learn's classification report and the \
            confusion matrix of the test set. Progress for long runs goes to standard error.

            With --output DIR the run's files (loss.csv streamed as epochs finish, loss.svg, \
            data.svg, metrics.json, model.json) are written into DIR.partial beside DIR and moved \
            into place in one step at the end: DIR always holds one complete run. The folder is \
            checked before any work; an earlier run in it is replaced only with --overwrite. \
            --checkpoint-every N keeps the run's state in DIR.partial so that --resume DIR \
            continues an interrupted run (even one killed with SIGKILL) with the same bits.

            Exit status: 0 done; 2 bad input or configuration; 3 training diverged (the loss \
            plot and metrics are written); 4 the output folder cannot be used or written, or \
            standard output could not be written; 128+N stopped by signal N.
            """
    )

    @OptionGroup var options: RunOptions

    func run() throws {
        Interrupts.install()
        var folder: RunFolder?
        do {
            try Ranks.start()
            var training: TrainingRun
            var ranks: RankGroup?
            if let resume = options.resume {
                try Ranks.refuseCheckpoints()
                training = try TrainingRun.resume(resume, output: options.output, open: Interrupts.watching)
                folder = training.folder
                try training.continue { try options.makeConfiguration(base: $0) }
                ranks = try Ranks.join(training.configuration, command: "train", extra: "resume")
            } else {
                var configuration = try options.makeConfiguration()
                ranks = try Ranks.join(configuration, command: "train")
                // One voice: over several ranks, rank 0 alone writes the run's files.
                if Ranks.quiet { configuration.output = nil }
                Ranks.injectedFault(&configuration)
                training = try TrainingRun.start(configuration, overwrite: options.overwrite, open: Interrupts.watching)
                folder = training.folder
            }
            Interrupts.watch(folder)
            switch training.configuration.precision {
            case .float64:
                try report(try train(training, ranks: ranks, as: Double.self), training.configuration, ranks: ranks)
            case .float32:
                try report(try train(training, ranks: ranks, as: Float.self), training.configuration, ranks: ranks)
            }
            try Exit.checkStandardOutput()
            Ranks.finish()
        } catch let exit as ExitCode {
            throw Ranks.fail(exit)
        } catch {
            if let folder, folder.abandon() == .kept,
                FileManager.default.fileExists(atPath: folder.path(Checkpoint.fileName))
            {
                note(
                    "[INFO] the last checkpoint is kept in \(folder.staging); continue with: descent train --resume \(folder.target)"
                )
            }
            throw Ranks.fail(error)
        }
    }

    /// Runs the training, printing the tutorial's lines and progress as it goes.
    func train<T: KernelScalar>(_ training: TrainingRun, ranks: RankGroup?, as type: T.Type) throws -> TrainingOutcome<
        T
    > {
        var progress: Progress?
        var rows = 0
        let iterations = training.configuration.training.resolvedSolver == .lbfgs
        defer { progress?.finish() }
        return try training.run(as: type, ranks: ranks) { event in
            switch event {
            case .prepared(let data):
                rows = data.trainRows
                note(
                    "[INFO] data: \(Format.count(data.trainRows)) training, \(Format.count(data.testRows)) test"
                        + (data.validationRows.map { ", \(Format.count($0)) validation" } ?? "")
                        + " rows; \(data.features) features, \(data.classes) classes; \(data.precision.rawValue); \(data.threads) thread\(data.threads == 1 ? "" : "s")"
                        + " (\(data.generated ? "generated" : "loaded") in \(String(format: "%.3f", data.seconds)) s)")
            case .resuming(let epoch, let epochs, let staging):
                print("[INFO] resuming at epoch \(epoch) of \(epochs) from \(staging)")
            case .started:
                print("[INFO] training...")
                progress = Progress(totalEpochs: training.configuration.training.epochs, rowsPerEpoch: rows)
            case .epoch(let record):
                if record.epoch == 1 || record.epoch % 5 == 0 {
                    progress?.finish()
                    print(
                        "[INFO] \(iterations ? "iteration" : "epoch")=\(record.epoch), loss=\(LossText.format(record.loss))"
                            + (record.validationLoss.map { ", validation_loss=\(LossText.format($0))" } ?? ""))
                    fflush(nil)
                }
                progress?.update(epoch: record.epoch, loss: record.loss)
            }
        }
    }

    /// Prints how the run ended, the test report and the confusion matrix.
    func report<T: KernelScalar>(_ outcome: TrainingOutcome<T>, _ configuration: RunConfiguration, ranks: RankGroup?)
        throws
    {
        let result = outcome.result
        let epochsRun = result.training.epochsRun
        let threads = outcome.threads
        // With validation data the run keeps its best epoch's weights, with or without
        // --patience: say so whenever that is not the last epoch.
        let kept =
            result.training.keptEpoch != epochsRun
            ? "; kept the weights of epoch \(result.training.keptEpoch) (the lowest validation loss), not those of the last epoch"
            : ""
        if result.training.stopReason != .epochsCompleted {
            print("[INFO] stopped: \(result.training.stopReason.summary)\(kept)")
        } else if !kept.isEmpty {
            print("[INFO] completed all \(epochsRun) epochs\(kept)")
        }
        if let warning = RunReport.convergenceWarning(result) { print("[WARN] \(warning)") }
        if let warning = RunReport.workerWarning(result) { print("[WARN] \(warning)") }
        print("[INFO] evaluating...")
        if let regression = result.regression { print("[INFO] \(regression.rendered)") }
        guard result.report != nil || result.regression != nil else { return }
        if let report = result.report {
            print(report.rendered(), terminator: "")
            if let figures = result.probabilityMetrics { print("[INFO] \(figures.rendered)") }
            print("[INFO] confusion matrix (rows: true class, columns: predicted):")
            print(report.renderedConfusionMatrix(), terminator: "")
        }
        let epochsHere = epochsRun - result.resumedEpochs
        let t = result.trainingConfiguration
        let lbfgs = t.resolvedSolver == .lbfgs
        let searched = t.searchesEachStep
        let passes = searched ? result.training.passes : epochsHere
        let rate = result.trainSeconds > 0 ? Double(result.data.train.rowCount * passes) / result.trainSeconds : 0
        let steps = lbfgs ? "\(epochsHere) iteration\(epochsHere == 1 ? "" : "s")" : "\(epochsHere) epochs"
        let what = searched ? "\(steps) (\(passes) passes over the data)" : steps
        print(
            "[INFO] \(what) in \(String(format: "%.3f", result.trainSeconds)) s (\(Format.rate(rate)) rows/s, \(threads) thread\(threads == 1 ? "" : "s"))"
        )
        if let ranks, ranks.size > 1, let share = result.data.train.share, share.exchanges > 0 {
            // Rank 0's view: the block reductions' all-gathers, waits for slower ranks included.
            let seconds = share.exchangeSeconds
            print(
                "[INFO] ranks: \(ranks.size); the training set's \(share.exchanges) exchanges took \(String(format: "%.3f", seconds)) s"
                    + " (\(String(format: "%.1f", seconds / Double(share.exchanges) * 1e6)) us each, \(String(format: "%.1f", 100 * seconds / max(result.trainSeconds, 1e-9)))% of training)"
            )
        }
        if !outcome.written.isEmpty { print("[INFO] wrote \(outcome.writtenDescription)") }
    }
}
