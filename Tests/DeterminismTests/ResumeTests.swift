import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Training continued from a checkpoint's state (through checkpoint.json and back) gives
/// the uninterrupted run's losses, stop and weights bit for bit, after every epoch, at
/// another thread count.
struct ResumeTests {
    static func configurations() -> [(String, TrainingConfiguration, Bool)] {
        var gd = TrainingConfiguration()
        gd.epochs = 14
        gd.momentum = 0.9
        gd.schedule = .step
        gd.stepSize = 3
        gd.gamma = 0.5
        gd.alpha = 0.002
        var early = gd
        early.alpha = 0.002
        early.patience = 2
        early.epochs = 40
        var sgd = TrainingConfiguration()
        sgd.optimizer = .sgd
        sgd.batchSize = 16
        sgd.workers = 3
        sgd.momentum = 0.9
        sgd.nesterov = true
        sgd.epochs = 9
        sgd.alpha = 0.01
        sgd.gradient = .mean
        sgd.schedule = .cosine
        sgd.weightDecay = 0.001
        var plain = sgd
        plain.workers = 1
        plain.batchSize = 1
        plain.nesterov = false
        plain.dampening = 0.3
        plain.schedule = .inverseTime
        plain.patience = 2
        plain.epochs = 30
        var lbfgs = TrainingConfiguration()
        lbfgs.solver = .lbfgs
        lbfgs.loss = .logLoss
        lbfgs.l2 = 0.05
        lbfgs.memory = 3  // fewer pairs than iterations: the history drops its oldest
        lbfgs.tolerance = 0
        lbfgs.epochs = 12
        var owlqn = lbfgs
        owlqn.l1 = 0.02
        var auto = TrainingConfiguration()
        auto.autoAlpha = true
        auto.l2 = 0.001
        auto.gradient = .mean
        auto.epochs = 12
        return [
            ("gd alpha auto", auto, false),
            ("gd momentum step", gd, false), ("gd validation early stopping", early, true),
            ("sgd 3 workers Nesterov", sgd, false), ("sgd per-sample dampening", plain, true),
            ("lbfgs l2 memory 3", lbfgs, false), ("lbfgs l1 (OWL-QN)", owlqn, false),
        ]
    }

    func check<T: KernelScalar>(_ type: T.Type) throws {
        let (x, y) = blobRows(samples: 1_200, seed: 5)
        let (vx, vy) = blobRows(samples: 300, seed: 6)
        let folder = CLI.temporaryDirectory().path
        for (name, configuration, withValidation) in Self.configurations() {
            let train = makeDataset(x, y, threads: 2, as: T.self)
            let validation = withValidation ? makeDataset(vx, vy, threads: 2, as: T.self) : nil
            let trainer = Trainer<T>(
                configuration: configuration, train: train, validation: validation,
                executor: ShardedExecutor(threads: 2))
            let initial = Trainer<T>.initialWeights(count: trainer.parameterCount, seed: 3)
            var states: [TrainingState<T>] = []
            let straight = trainer.train(
                initialWeights: initial, checkpointEvery: 1, onEpoch: { _ in }, onCheckpoint: { states.append($0) })
            #expect(states.count == straight.epochsRun - 1 || straight.stopReason != .epochsCompleted, "\(name)")
            #expect(!states.isEmpty, "\(name)")
            var run = RunConfiguration()
            run.precision = T.self == Float.self ? .float32 : .float64
            for state in states {
                // Through the file and back: the state must survive its encoding exactly.
                let checkpoint = try Checkpoint(
                    state: state, configuration: run, dataFingerprint: train.fingerprint(),
                    run: RunIdentity(configuration: run), lossLogBytes: 0)
                try checkpoint.jsonData().write(to: URL(fileURLWithPath: folder + "/" + Checkpoint.fileName))
                let read = try Checkpoint(folder: folder).state(
                    as: T.self, parameterCount: trainer.parameterCount, training: configuration)
                #expect(read == state, "\(name) epoch \(state.epoch): the checkpoint changed the state")
                let again = Trainer<T>(
                    configuration: configuration, train: makeDataset(x, y, threads: 3, as: T.self),
                    validation: withValidation ? makeDataset(vx, vy, threads: 3, as: T.self) : nil,
                    executor: ShardedExecutor(threads: 3))
                let resumed = again.train(
                    initialWeights: initial, resume: read, onEpoch: { _ in }, onCheckpoint: { _ in })
                let same =
                    bits(resumed.weights) == bits(straight.weights)
                    && resumed.history.map(\.loss.bitPattern)
                        == straight.history.dropFirst(state.epoch).map(\.loss.bitPattern)
                    && resumed.history.map(\.validationLoss)
                        == straight.history.dropFirst(state.epoch).map(\.validationLoss)
                    && resumed.stopReason == straight.stopReason && resumed.keptEpoch == straight.keptEpoch
                    && resumed.epochsRun == straight.epochsRun
                #expect(
                    same,
                    "\(name) \(T.precisionName): resumed after epoch \(state.epoch) differs (stop \(resumed.stopReason) vs \(straight.stopReason))"
                )
            }
        }
    }

    @Test func float64() throws { try check(Double.self) }
    @Test func float32() throws { try check(Float.self) }

    /// The early-stopping cases do stop early, so their counters are exercised.
    @Test func theEarlyStoppingCasesStopEarly() {
        for (name, configuration, withValidation) in Self.configurations() where withValidation {
            let (x, y) = blobRows(samples: 1_200, seed: 5)
            let (vx, vy) = blobRows(samples: 300, seed: 6)
            let result = trainLibrary(
                makeDataset(x, y, as: Double.self), configuration, threads: 1,
                validation: makeDataset(vx, vy, as: Double.self))
            #expect(
                result.epochsRun < configuration.epochs,
                "\(name): stopped at \(result.epochsRun) of \(configuration.epochs)")
            #expect(result.keptEpoch < result.epochsRun, "\(name)")
        }
    }
}
