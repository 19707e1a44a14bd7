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
            var configuration: RunConfiguration
            var ranks: RankGroup?
            var checkpoint: Checkpoint?
            if let resume = options.resume {
                try Ranks.refuseCheckpoints()
                // --resume names the run's folder (or its .partial staging folder).
                var target = RunFolder.normalized(resume)
                if target.hasSuffix(".partial"), FileManager.default.fileExists(atPath: target + "/" + Checkpoint.fileName) {
                    target = String(target.dropLast(".partial".count))
                }
                func canonical(_ path: String) -> String { URL(fileURLWithPath: RunFolder.normalized(path)).standardizedFileURL.path }
                if let output = options.output, canonical(output) != canonical(target) {
                    throw DescentError.configuration("--resume \(resume) continues the run in \(target); drop --output \(output)")
                }
                // Resuming, the folder keeps its staging folder (the checkpoint) on a signal.
                let opened = try Interrupts.watching {
                    try RunFolder(target: target, overwrite: false, resume: true, flag: "--resume", owns: { RunFolder.trainFiles.contains($0) })
                }
                folder = opened
                let saved = try Checkpoint(folder: opened.staging)
                var base = RunConfiguration()
                try base.apply(json: saved.configuration, source: opened.staging + "/" + Checkpoint.fileName)
                base.output = target
                base.checkpointEvery = saved.checkpointEvery
                configuration = try options.makeConfiguration(base: base)
                configuration.output = target
                let differences = configuration.differences(from: base)
                guard differences.isEmpty else {
                    throw DescentError.configuration("--resume \(target): the flags change the interrupted run: \(differences.joined(separator: "; ")); drop them (only --threads, --numa and --checkpoint-every may change)")
                }
                try saved.validate(for: configuration, lossLog: opened.path("loss.csv"))
                checkpoint = saved
                ranks = try Ranks.join(configuration, command: "train", extra: "resume")
            } else {
                configuration = try options.makeConfiguration()
                ranks = try Ranks.join(configuration, command: "train")
                // One voice: over several ranks, rank 0 alone writes the run's files.
                if Ranks.quiet { configuration.output = nil }
                Ranks.injectedFault(&configuration)
                if let output = configuration.output {
                    folder = try Interrupts.watching {
                        try RunFolder(target: output, overwrite: options.overwrite, owns: { RunFolder.trainFiles.contains($0) })
                    }
                }
            }
            folder?.keepsStagingOnInterrupt = configuration.checkpointEvery != nil || checkpoint != nil
            Interrupts.watch(folder)
            switch configuration.precision {
            case .float64: try train(configuration, checkpoint: checkpoint, folder: folder, ranks: ranks, as: Double.self)
            case .float32: try train(configuration, checkpoint: checkpoint, folder: folder, ranks: ranks, as: Float.self)
            }
            try Exit.checkStandardOutput()
            Ranks.finish()
        } catch let exit as ExitCode {
            throw Ranks.fail(exit)
        } catch {
            if let folder, folder.abandon() == .kept, FileManager.default.fileExists(atPath: folder.path(Checkpoint.fileName)) {
                note("[INFO] the last checkpoint is kept in \(folder.staging); continue with: descent train --resume \(folder.target)")
            }
            throw Ranks.fail(error)
        }
    }

    func train<T: KernelScalar>(_ configuration: RunConfiguration, checkpoint: Checkpoint?, folder: RunFolder?, ranks: RankGroup?,
                                as type: T.Type) throws {
        let threads = Experiment.threadCount(configuration)
        let prepareStart = DispatchTime.now().uptimeNanoseconds
        let data = try Experiment.prepare(configuration, as: type, ranks: ranks)
        let prepareSeconds = Double(DispatchTime.now().uptimeNanoseconds - prepareStart) / 1e9
        note("[INFO] data: \(Format.count(data.train.rowCount)) training, \(Format.count(data.test.rowCount)) test"
             + (data.validation.map { ", \(Format.count($0.rowCount)) validation" } ?? "")
             + " rows; \(data.train.featureCount) features, \(data.classCount) classes; \(T.precisionName); \(threads) thread\(threads == 1 ? "" : "s")"
             + " (\(configuration.trainFile == nil ? "generated" : "loaded") in \(String(format: "%.3f", prepareSeconds)) s)")
        let setup = try Experiment.setup(configuration, data: data)
        let fingerprint = configuration.checkpointEvery != nil || checkpoint != nil ? data.fingerprint : ""
        var resume: TrainingState<T>?
        if let checkpoint {
            guard checkpoint.dataFingerprint == fingerprint else {
                throw DescentError.input("--resume \(configuration.output ?? ""): the data differ from the interrupted run's (fingerprint \(fingerprint), the checkpoint's \(checkpoint.dataFingerprint))"
                                         + (configuration.trainFile.map { "; was \($0) changed?" } ?? "") + "; resuming needs the same data (or start again with --overwrite)")
            }
            resume = try checkpoint.state(as: T.self, parameterCount: setup.initialWeights.count)
        }
        let run = checkpoint?.run ?? RunIdentity(configuration: configuration)
        var curve = LossCurve()
        var log: LossLog?
        if let folder {
            if let checkpoint {
                try LossLog.forEachRecord(inFile: folder.path("loss.csv"), bytes: checkpoint.lossLogBytes) { curve.append($0) }
            }
            log = try LossLog(path: folder.path("loss.csv"), resumingAt: checkpoint?.lossLogBytes)
        }
        if let checkpoint { print("[INFO] resuming at epoch \(checkpoint.epoch) of \(configuration.training.epochs) from \(folder?.staging ?? "")") }
        print("[INFO] training...")
        let progress = Progress(totalEpochs: configuration.training.epochs, rowsPerEpoch: data.train.rowCount)
        let faults = FaultInjection.fromEnvironment()
        var checkpoints = 0
        let result = try Experiment.run(configuration, data: data, setup: setup, resume: resume, prepareSeconds: prepareSeconds,
                                        keepHistory: false, checkpointEvery: configuration.checkpointEvery, onEpoch: { record in
            if record.epoch == 1 || record.epoch % 5 == 0 {
                progress.finish()
                print("[INFO] epoch=\(record.epoch), loss=\(LossText.format(record.loss))"
                      + (record.validationLoss.map { ", validation_loss=\(LossText.format($0))" } ?? ""))
                fflush(nil)
            }
            progress.update(epoch: record.epoch, loss: record.loss)
            curve.append(record)
            try log?.append(record)
            if faults.killAfterEpoch == record.epoch { try log?.flush(); FaultInjection.kill() }
        }, onCheckpoint: { state in
            guard let folder, let log else { return }
            try log.flush()
            let saved = try Checkpoint(state: state, configuration: configuration, dataFingerprint: fingerprint, run: run,
                                       lossLogBytes: log.byteCount)
            checkpoints += 1
            if faults.killInCheckpoint == checkpoints { FaultInjection.killWhileWriting(try saved.jsonData(), into: folder.path(Checkpoint.fileName)) }
            try folder.write(Checkpoint.fileName, try saved.jsonData())
        })
        progress.finish()
        let epochsRun = result.training.epochsRun
        var written: [String] = []
        if let folder, let log {
            try log.flush()
            written = try RunReport.write(result, curve: curve.records, configuration: configuration, threads: threads, run: run, into: folder)
            try folder.commit()
        }
        let wrote = written.isEmpty ? "" : "\(folder!.target)/{\(written.joined(separator: ","))}"
        if case .diverged(let epoch) = result.training.stopReason {
            let last = result.training.lastRecord.map { String(format: "%g", $0.loss) } ?? "?"
            throw DescentError.diverged("training diverged at epoch \(epoch): the loss (\(last)) or the weights are no longer finite; try a smaller --alpha (now \(configuration.training.alpha))"
                                        + (configuration.training.gradient == .sum ? " or --gradient mean" : "")
                                        + (written.isEmpty ? "" : "; kept \(wrote)"))
        }
        // With validation data the run keeps its best epoch's weights, with or without
        // --patience: say so whenever that is not the last epoch.
        let kept = result.training.keptEpoch != epochsRun
            ? "; kept the weights of epoch \(result.training.keptEpoch) (the lowest validation loss), not those of the last epoch" : ""
        if result.training.stopReason != .epochsCompleted {
            print("[INFO] stopped: \(result.training.stopReason.summary)\(kept)")
        } else if !kept.isEmpty {
            print("[INFO] completed all \(epochsRun) epochs\(kept)")
        }
        print("[INFO] evaluating...")
        guard let report = result.report else { return }
        print(report.rendered(), terminator: "")
        print("[INFO] confusion matrix (rows: true class, columns: predicted):")
        print(report.renderedConfusionMatrix(), terminator: "")
        let epochsHere = epochsRun - result.resumedEpochs
        let rate = result.trainSeconds > 0 ? Double(data.train.rowCount * epochsHere) / result.trainSeconds : 0
        print("[INFO] \(epochsHere) epochs in \(String(format: "%.3f", result.trainSeconds)) s (\(Format.rate(rate)) rows/s, \(threads) thread\(threads == 1 ? "" : "s"))")
        if let ranks, ranks.size > 1, let share = data.train.share, share.exchanges > 0 {
            // Rank 0's view: the block reductions' all-gathers, waits for slower ranks included.
            let seconds = share.exchangeSeconds
            print("[INFO] ranks: \(ranks.size); the training set's \(share.exchanges) exchanges took \(String(format: "%.3f", seconds)) s"
                  + " (\(String(format: "%.1f", seconds / Double(share.exchanges) * 1e6)) us each, \(String(format: "%.1f", 100 * seconds / max(result.trainSeconds, 1e-9)))% of training)")
        }
        if !written.isEmpty { print("[INFO] wrote \(wrote)") }
    }
}

/// Test-only fault injection for the kill tests (`DESCENT_TEST_KILL=after-epoch:N` or
/// `checkpoint:N`): the process sends itself SIGKILL after epoch N's line is on disk, or
/// half way through writing its Nth checkpoint; with `staging-created`, SIGINT as soon as
/// the run's staging folder exists (then it waits 0.2 s, time for an unwatched signal to
/// end the process). Unset, it does nothing.
struct FaultInjection {
    var killAfterEpoch: Int?
    var killInCheckpoint: Int?

    static func fromEnvironment() -> FaultInjection {
        var f = FaultInjection()
        guard let value = ProcessInfo.processInfo.environment["DESCENT_TEST_KILL"] else { return f }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]) else { return f }
        if parts[0] == "after-epoch" { f.killAfterEpoch = n }
        if parts[0] == "checkpoint" { f.killInCheckpoint = n }
        return f
    }

    static func signalAfterStaging() {
        guard ProcessInfo.processInfo.environment["DESCENT_TEST_KILL"] == "staging-created" else { return }
        _ = Glibc.kill(getpid(), SIGINT)
        usleep(200_000)
    }

    static func kill() -> Never {
        _ = Glibc.kill(getpid(), SIGKILL)
        while true { pause() }
    }

    /// Writes half of `data` to the temporary file an atomic write of `path` uses, then dies.
    static func killWhileWriting(_ data: Data, into path: String) -> Never {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try? data.prefix(data.count / 2).write(to: temporary)
        kill()
    }
}
