import Dispatch
import Foundation

/// What a `descent train` run reports while it runs. The pipeline prints nothing: the
/// command shows these as they come.
package enum TrainingEvent: Sendable {
    /// The data are ready.
    case prepared(DataSummary)
    /// A resumed run continues after epoch `epoch` of `epochs`, from the checkpoint in `staging`.
    case resuming(epoch: Int, epochs: Int, staging: String)
    /// The first epoch starts.
    case started
    /// An epoch finished.
    case epoch(EpochRecord)
}

/// The sets a run trains and tests on, as `descent train` reports them.
package struct DataSummary: Sendable {
    package var trainRows: Int
    package var testRows: Int
    package var validationRows: Int?
    package var features: Int
    package var classes: Int
    package var precision: Precision
    package var threads: Int
    /// Whether the rows were generated (blobs) rather than read from files.
    package var generated: Bool
    package var seconds: Double
}

/// A finished `descent train` run.
package struct TrainingOutcome<T: KernelScalar>: Sendable {
    package var result: ExperimentResult<T>
    package var threads: Int
    /// The files written into the output folder, in the order written (empty without one).
    package var written: [String]
    /// The output folder (nil without one).
    package var folder: String?

    /// `DIR/{loss.csv,...}`, as messages name what was written ("" when nothing was).
    package var writtenDescription: String {
        guard let folder, !written.isEmpty else { return "" }
        return "\(folder)/{\(written.joined(separator: ","))}"
    }
}

/// `descent train` from a configuration to its output folder: the folder (a new run's, or an
/// interrupted run's to resume), the data, the check of a checkpoint against them, training
/// with checkpoints, `loss.csv` streamed as epochs finish, the test report and the run's other
/// files, and the folder moved into place as one step.
package struct TrainingRun {
    /// The run's configuration (for a resumed run, the checkpoint's with the flags given now).
    package private(set) var configuration: RunConfiguration
    /// The output folder, open and locked (nil without `--output`).
    package let folder: RunFolder?
    /// The checkpoint a resumed run continues from.
    package let checkpoint: Checkpoint?

    /// The file names a training run writes into its folder.
    package static let files: Set<String> = [
        "loss.csv", "loss.svg", "data.svg", "metrics.json", "model.json", Checkpoint.fileName,
    ]

    /// A new run of `configuration`. Its output folder, if it has one, is checked and opened
    /// now, before any work (by `open`, which a caller may wrap to watch for signals).
    ///
    /// - Throws: ``DescentError/output(_:)`` when the folder cannot be used.
    package static func start(
        _ configuration: RunConfiguration, overwrite: Bool,
        open: (() throws -> RunFolder) throws -> RunFolder = { try $0() }
    ) throws -> TrainingRun {
        let folder = try configuration.output.map { output in
            try open { try RunFolder(target: output, overwrite: overwrite, owns: { TrainingRun.files.contains($0) }) }
        }
        folder?.keepsStagingOnInterrupt = configuration.checkpointEvery != nil
        return TrainingRun(configuration: configuration, folder: folder, checkpoint: nil)
    }

    /// The interrupted run that `path` names (`--resume`: the run's folder, or its `.partial`
    /// staging folder), with the configuration its checkpoint holds. Call
    /// ``continue(with:)`` next, to apply the flags given now.
    ///
    /// - Parameter output: `--output` when given: it must name the same folder.
    package static func resume(
        _ path: String, output: String?,
        open: (() throws -> RunFolder) throws -> RunFolder = { try $0() }
    ) throws -> TrainingRun {
        var target = RunFolder.normalized(path)
        if target.hasSuffix(".partial"), FileManager.default.fileExists(atPath: target + "/" + Checkpoint.fileName) {
            target = String(target.dropLast(".partial".count))
        }
        func canonical(_ path: String) -> String {
            URL(fileURLWithPath: RunFolder.normalized(path)).standardizedFileURL.path
        }
        if let output, canonical(output) != canonical(target) {
            throw DescentError.configuration("--resume \(path) continues the run in \(target); drop --output \(output)")
        }
        // Resuming, the folder keeps its staging folder (the checkpoint) on a signal.
        let folder = try open {
            try RunFolder(
                target: target, overwrite: false, resume: true, flag: "--resume",
                owns: { TrainingRun.files.contains($0) })
        }
        let saved = try Checkpoint(folder: folder.staging)
        var configuration = RunConfiguration()
        try configuration.apply(saved.configuration, from: .file(folder.path(Checkpoint.fileName)))
        configuration.output = target
        configuration.checkpointEvery = saved.checkpointEvery
        return TrainingRun(configuration: configuration, folder: folder, checkpoint: saved)
    }

    /// Applies the flags given to a resumed run (`configure` gets the checkpoint's
    /// configuration and returns it with the flags applied).
    ///
    /// - Throws: ``DescentError/configuration(_:)`` naming every identity setting the flags
    ///   change (only settings of role ``Setting/Role/execution`` may change), and
    ///   ``DescentError/input(_:)`` when the checkpoint does not fit the configuration.
    package mutating func `continue`(with configure: (RunConfiguration) throws -> RunConfiguration) throws {
        guard let checkpoint, let folder else { preconditionFailure("continue(with:) is for a resumed run") }
        let base = configuration
        var changed = try configure(base)
        changed.output = base.output
        let differences = changed.differences(from: base)
        guard differences.isEmpty else {
            let free = RunConfiguration.settings.filter { $0.role == .execution && $0.key != "output" }.map {
                "--" + $0.key
            }
            throw DescentError.configuration(
                "--resume \(folder.target): the flags change the interrupted run: \(differences.joined(separator: "; ")); drop them (only \(free.dropLast().joined(separator: ", ")) and \(free.last!) may change)"
            )
        }
        try checkpoint.validate(for: changed, lossLog: folder.path("loss.csv"))
        configuration = changed
    }

    /// Prepares the data, trains (from the checkpoint when resuming) and evaluates, writing
    /// the run's files into the folder, which is moved into place at the end.
    ///
    /// - Parameters:
    ///   - ranks: the ranks of a multi-process run (nil in one process).
    ///   - events: called as the run goes (see ``TrainingEvent``); an error it throws ends the run.
    /// - Throws: ``DescentError`` for bad data, a checkpoint of other data, an output that
    ///   cannot be written, or ``DescentError/diverged(_:)`` after writing what a diverged
    ///   run keeps (the loss plot and the metrics).
    package func run<T: KernelScalar>(
        as type: T.Type, ranks: RankGroup? = nil,
        events: (TrainingEvent) throws -> Void
    ) throws -> TrainingOutcome<T> {
        let configuration = self.configuration
        let checkpoint = self.checkpoint
        let folder = self.folder
        let threads = Experiment.threadCount(configuration)
        let prepareStart = DispatchTime.now().uptimeNanoseconds
        let data = try Experiment.prepare(configuration, as: type, ranks: ranks)
        let prepareSeconds = Double(DispatchTime.now().uptimeNanoseconds - prepareStart) / 1e9
        try events(
            .prepared(
                DataSummary(
                    trainRows: data.train.rowCount, testRows: data.test.rowCount,
                    validationRows: data.validation?.rowCount, features: data.train.featureCount,
                    classes: data.classCount, precision: configuration.precision, threads: threads,
                    generated: configuration.trainFile == nil, seconds: prepareSeconds)))
        let setup = try Experiment.setup(configuration, data: data)
        let fingerprint = configuration.checkpointEvery != nil || checkpoint != nil ? data.fingerprint : ""
        var resume: TrainingState<T>?
        if let checkpoint {
            guard checkpoint.dataFingerprint == fingerprint else {
                throw DescentError.input(
                    "--resume \(configuration.output ?? ""): the data differ from the interrupted run's (fingerprint \(fingerprint), the checkpoint's \(checkpoint.dataFingerprint))"
                        + (configuration.trainFile.map { "; was \($0) changed?" } ?? "")
                        + "; resuming needs the same data (or start again with --overwrite)")
            }
            resume = try checkpoint.state(
                as: T.self, parameterCount: setup.initialWeights.count, training: setup.training)
        }
        let run = checkpoint?.run ?? RunIdentity(configuration: configuration)
        var curve = LossCurve()
        var log: LossLog?
        if let folder {
            if let checkpoint {
                try LossLog.forEachRecord(inFile: folder.path("loss.csv"), bytes: checkpoint.lossLogBytes) {
                    curve.append($0)
                }
            }
            log = try LossLog(path: folder.path("loss.csv"), resumingAt: checkpoint?.lossLogBytes)
        }
        if let checkpoint {
            try events(
                .resuming(
                    epoch: checkpoint.epoch, epochs: configuration.training.epochs, staging: folder?.staging ?? ""))
        }
        try events(.started)
        let faults = FaultInjection.fromEnvironment()
        var checkpoints = 0
        let result = try Experiment.run(
            configuration, data: data, setup: setup, resume: resume, prepareSeconds: prepareSeconds,
            keepHistory: false, checkpointEvery: configuration.checkpointEvery,
            onEpoch: { record in
                try events(.epoch(record))
                curve.append(record)
                try log?.append(record)
                if faults.killAfterEpoch == record.epoch {
                    try log?.flush()
                    FaultInjection.kill()
                }
            },
            onCheckpoint: { state in
                guard let folder, let log else { return }
                try log.flush()
                let saved = try Checkpoint(
                    state: state, configuration: configuration, dataFingerprint: fingerprint, run: run,
                    lossLogBytes: log.byteCount)
                checkpoints += 1
                if faults.killInCheckpoint == checkpoints {
                    FaultInjection.killWhileWriting(saved.jsonData(), into: folder.path(Checkpoint.fileName))
                }
                try folder.write(Checkpoint.fileName, saved.jsonData())
            })
        var outcome = TrainingOutcome(result: result, threads: threads, written: [], folder: folder?.target)
        if let folder, let log {
            try log.flush()
            outcome.written = ["loss.csv"]
            for file in RunReport.files(
                result, curve: curve.records, configuration: configuration, threads: threads, run: run)
            {
                try folder.write(file.name, file.contents)
                outcome.written.append(file.name)
            }
            try folder.commit()
        }
        if case .diverged(let epoch) = result.training.stopReason {
            let last = result.training.lastRecord.map { String(format: "%g", $0.loss) } ?? "?"
            throw DescentError.diverged(
                "training diverged at epoch \(epoch): the loss (\(last)) or the weights are no longer finite; try a smaller --alpha (now \(configuration.training.alpha))"
                    + (configuration.training.gradient == .sum ? " or --gradient mean" : "")
                    + (outcome.written.isEmpty ? "" : "; kept \(outcome.writtenDescription)"))
        }
        return outcome
    }
}

/// Test-only fault injection for the kill tests (`DESCENT_TEST_KILL=after-epoch:N` or
/// `checkpoint:N`): the process sends itself SIGKILL after epoch N's line is on disk, or
/// half way through writing its Nth checkpoint; with `staging-created`, SIGINT as soon as
/// the run's staging folder exists (then it waits 0.2 s, time for an unwatched signal to
/// end the process). Unset, it does nothing.
package struct FaultInjection {
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

    package static func signalAfterStaging() {
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
        try? data.prefix(data.count / 2).write(to: URL(fileURLWithPath: AtomicFile.temporaryPath(of: path)))
        kill()
    }
}
