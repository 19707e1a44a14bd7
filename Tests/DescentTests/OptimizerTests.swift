import Foundation
import Testing
@testable import Descent
import DescentTestSupport

struct OptimizerTests {
    /// torch.optim.SGD, unrolled by hand for three steps of one weight (w0 = 1, gradients
    /// 0.5, -0.25, 0.125; lr 0.1; momentum 0.9; dampening 0.1; weight decay 0.01):
    ///   step 1: g = 0.5 + 0.01*1 = 0.51;                    b = g = 0.51
    ///   step 2: g = -0.25 + 0.01*w1;  b = 0.9*b + 0.9*g
    ///   step 3: g = 0.125 + 0.01*w2;  b = 0.9*b + 0.9*g
    /// with w = w - lr*b (plain) or w = w - lr*(g + 0.9*b) (Nesterov, dampening 0).
    @Test func momentumAndNesterovMatchHandUnrolledPyTorch() {
        let grads = [0.5, -0.25, 0.125]
        // Plain momentum with dampening and weight decay.
        var w = 1.0, b = 0.0
        for (t, g0) in grads.enumerated() {
            let g = g0 + 0.01 * w
            b = t == 0 ? g : 0.9 * b + (1 - 0.1) * g
            w = w - 0.1 * b
        }
        var optimizer = Optimizer<Double>(parameterCount: 1, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0.01)
        var weights = [1.0]
        for g in grads { weights.withUnsafeMutableBufferPointer { optimizer.step(weights: $0.baseAddress!, gradient: [g], rate: 0.1) } }
        #expect(weights[0] == w)
        #expect(optimizer.velocity[0] == b)

        // Nesterov (dampening must be 0).
        var wn = 1.0, bn = 0.0
        for (t, g0) in grads.enumerated() {
            let g = g0 + 0.01 * wn
            bn = t == 0 ? g : 0.9 * bn + g
            wn = wn - 0.1 * (g + 0.9 * bn)
        }
        var nesterov = Optimizer<Double>(parameterCount: 1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.01)
        var wv = [1.0]
        for g in grads { wv.withUnsafeMutableBufferPointer { nesterov.step(weights: $0.baseAddress!, gradient: [g], rate: 0.1) } }
        #expect(wv[0] == wn)

        // No momentum, no decay: the tutorial's W += -alpha * gradient.
        var plain = Optimizer<Double>(parameterCount: 1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0)
        var wp = [1.0]
        wp.withUnsafeMutableBufferPointer { plain.step(weights: $0.baseAddress!, gradient: [0.3], rate: 0.01) }
        var tutorial = 1.0
        tutorial += -0.01 * 0.3
        #expect(wp[0] == tutorial)
    }

    /// The full training loop with momentum follows the plain reference, which applies the
    /// same rules written separately.
    @Test func trainingWithMomentumFollowsThePlainReference() {
        let (x, y) = blobRows(samples: 3000, seed: 3)
        let dataset = makeDataset(x, y, threads: 2, as: Double.self)
        var t = TrainingConfiguration()
        t.optimizer = .sgd; t.batchSize = 100; t.momentum = 0.9; t.nesterov = true; t.weightDecay = 1e-3
        t.gradient = .mean; t.alpha = 0.05; t.epochs = 3; t.schedule = .cosine
        let initial = Trainer<Double>.initialWeights(count: 3, seed: 1)
        let result = trainLibrary(dataset, t, threads: 2, initial: initial)
        let reference = PlainReference.train(t, dataset: dataset, initial: initial, epochs: 3)
        #expect(result.weights.count == reference.weights.count)
        #expect(worstRelativeDifference(result.weights, reference.weights, floor: 1) <= 1e-10)
        for (a, b) in zip(result.history.map(\.loss), reference.losses) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
    }
}

struct SGDTests {
    /// One batch holding the whole training set, in stored order, is full-batch GD.
    @Test func fullSizeUnshuffledBatchIsGradientDescentBitForBit() {
        for rows in [700, 5000] {
            let (x, y) = blobRows(samples: rows, seed: 3)
            for threads in [1, 3] {
                let dataset = makeDataset(x, y, threads: threads, as: Double.self)
                var gd = TrainingConfiguration()
                gd.epochs = 10; gd.momentum = 0.5
                var sgd = gd
                sgd.optimizer = .sgd; sgd.batchSize = rows; sgd.shuffle = false; sgd.parallelBatchRows = 1
                let a = trainLibrary(dataset, gd, threads: threads)
                let b = trainLibrary(dataset, sgd, threads: threads)
                #expect(bits(a.weights) == bits(b.weights), "\(rows) rows, \(threads) threads")
                #expect(a.history.map(\.loss.bitPattern) == b.history.map(\.loss.bitPattern))
            }
        }
    }

    /// Splitting a batch over threads or not never changes a bit.
    @Test func splittingBatchesChangesNothing() {
        let (x, y) = blobRows(samples: 20_000, seed: 3)
        let dataset = makeDataset(x, y, threads: 2, as: Float.self)
        var t = TrainingConfiguration()
        t.optimizer = .sgd; t.batchSize = 65_536; t.epochs = 3; t.gradient = .mean; t.alpha = 0.5
        t.parallelBatchRows = 1
        let split = trainLibrary(dataset, t, threads: 2)
        t.parallelBatchRows = Int.max
        let whole = trainLibrary(dataset, t, threads: 2)
        #expect(bits(split.weights) == bits(whole.weights))
    }

    @Test func dropLastSkipsTheShortBatch() {
        let (x, y) = blobRows(samples: 1000, seed: 3)
        let dataset = makeDataset(x, y, as: Double.self)
        var t = TrainingConfiguration()
        t.optimizer = .sgd; t.batchSize = 300; t.epochs = 1; t.shuffle = false; t.dropLast = true; t.alpha = 0.001
        let dropped = trainLibrary(dataset, t, threads: 1)
        let reference = PlainReference.train(t, dataset: dataset, initial: Trainer<Double>.initialWeights(count: 3, seed: t.seed), epochs: 1)
        #expect(abs(dropped.history[0].loss - reference.losses[0]) < 1e-12 * reference.losses[0])
        t.dropLast = false
        #expect(trainLibrary(dataset, t, threads: 1).weights != dropped.weights)
    }
}

struct MultiClassTests {
    func accuracy(loss: Loss, centers: Int) throws -> Double {
        var c = RunConfiguration()
        // Seed 8 draws 3 and 5 centers that do not overlap at std 1.0 (seed 1's 5 centers do,
        // and no classifier separates overlapping blobs to 95%).
        c.samples = 6000; c.centers = centers; c.clusterStd = 1.0; c.training.seed = 8
        c.loss = loss; c.training.optimizer = .sgd; c.training.batchSize = 32; c.training.momentum = 0.9
        c.training.gradient = .mean; c.training.alpha = 0.02; c.training.epochs = 15; c.threads = 2
        let data = try Experiment.prepare(c, as: Double.self)
        return try Experiment.run(c, data: data).report!.accuracy
    }

    @Test(arguments: [(Loss.crossEntropy, 3), (.crossEntropy, 5), (.hinge, 3), (.hinge, 5)])
    func multiClassBlobsAreLearned(_ loss: Loss, _ centers: Int) throws {
        let value = try accuracy(loss: loss, centers: centers)
        #expect(value >= 0.95, "\(loss) with \(centers) classes: accuracy \(value)")
    }

    @Test func earlyStoppingKeepsTheBestValidationWeights() throws {
        var c = RunConfiguration()
        c.samples = 4000; c.validationFraction = 0.25; c.training.patience = 3; c.training.epochs = 200
        c.training.optimizer = .sgd; c.training.batchSize = 16; c.training.gradient = .mean
        c.training.alpha = 2; c.threads = 2
        let data = try Experiment.prepare(c, as: Double.self)
        #expect(data.validation?.rowCount == 500)
        let result = try Experiment.run(c, data: data)
        let history = result.training.history
        let best = history.compactMap(\.validationLoss).min()!
        #expect(history.count < 200, "patience stopped the run")
        #expect(history[result.training.keptEpoch - 1].validationLoss == best)
        #expect(result.training.stopReason == .noImprovement(epoch: history.count))
        #expect(result.training.keptEpoch < history.count, "the run went on past its best epoch")
        // The returned weights are the best epoch's: training the same run for exactly that
        // many epochs ends on them, and their validation loss is the best one recorded.
        var upToBest = c
        upToBest.training.epochs = result.training.keptEpoch
        upToBest.training.patience = nil
        let shorter = try Experiment.run(upToBest, data: data)
        #expect(shorter.training.history.count == result.training.keptEpoch)
        #expect(bits(result.training.weights) == bits(shorter.training.weights))
        let validation = try #require(data.validation)
        let trainer = Trainer<Double>(configuration: result.trainingConfiguration, train: validation, executor: ShardedExecutor(threads: 2))
        #expect(trainer.lossOverTrainingSet(weights: result.training.weights) == best)
    }

    @Test func targetLossStopsTraining() throws {
        var c = RunConfiguration()
        c.training.targetLoss = 2.5
        let result = try Experiment.run(c, data: try Experiment.prepare(c, as: Double.self))
        #expect(result.training.history.count < c.training.epochs, "stopped early")
        #expect(result.training.history.last!.loss <= 2.5)
        #expect(result.training.history.dropLast().allSatisfy { $0.loss > 2.5 })
    }
}
