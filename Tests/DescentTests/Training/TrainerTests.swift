import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The training loop (``Trainer``): the sharded path against the tutorial's plain loop,
/// multi-class losses learned, early stopping that keeps the best weights, a target loss.
struct TrainerTests {
    /// The sharded path follows the plain loop within 1e-12 relative, every epoch, for 100
    /// epochs, on five chunks and a remainder (5 * 1024 + 333 training rows), so the chunk
    /// partials and their reduction tree are part of the comparison.
    @Test func shardedPathMatchesPlainTutorialLoop() throws {
        var configuration = RunConfiguration()
        configuration.samples = 2 * (5 * 1024 + 333)
        configuration.threads = 2
        let data = try Experiment.prepare(configuration, as: Double.self)
        let train = data.train
        let x = (0..<train.rowCount).map { train.features(ofRow: $0) }
        let y = (0..<train.rowCount).map { Double(train.label($0)) }
        let initial = Trainer<Double>.initialWeights(count: 3, seed: 3)
        let reference = tutorialReference(x: x, y: y, weights: initial, alpha: 0.01, epochs: 100)
        for threads in [1, 2] {
            let result = trainLibrary(train, configuration.training, threads: threads, initial: initial)
            #expect(result.history.count == 100)
            #expect(train.rowCount == 5 * 1024 + 333 && train.chunks.chunkCount == 6)
            let worst = worstRelativeDifference(result.history.map(\.loss), reference.losses)
            #expect(worst <= 1e-12, "worst relative difference of the losses \(worst)")
            let worstWeights = worstRelativeDifference(result.weights, reference.weights, floor: 1)
            #expect(worstWeights <= 1e-12, "worst relative difference of the weights \(worstWeights)")
            print(
                "threads \(threads): first losses \(result.history.prefix(3).map(\.loss)) reference \(reference.losses.prefix(3))"
            )
        }
    }

    /// --l2 with gradient descent: the penalty L/2 |w|^2 on every weight but the biases, in
    /// the reported loss and the gradient, scaled by the rows with summed gradients, as the
    /// plain reference writes it out, for a model of 3 outputs (biases at 3 places).
    @Test(arguments: [GradientReduction.sum, .mean])
    func l2PenaltyFollowsThePlainReference(_ reduction: GradientReduction) {
        let (result, dataset, t, initial) = trainAgainstThePlainReference(samples: 1500, threads: 2) { t in
            t.gradient = reduction
            t.alpha = reduction == .mean ? 0.5 : 0.0005
            t.l2 = 0.2
            t.epochs = 12
        }
        // The biases are not penalised: without data pulling them, a penalised bias would shrink.
        var unpenalised = t
        unpenalised.l2 = nil
        let free = trainLibrary(dataset, unpenalised, threads: 2, initial: initial)
        #expect(result.history[0].loss > free.history[0].loss, "the penalty is part of the reported loss")
    }

    /// `--l2` with SGD: every batch's mean loss + L/2 |w|^2 (its row count times that with
    /// summed gradients), the biases not penalised, as the plain reference writes it out, per
    /// sample, in batches, with workers and momentum; and the same bits on 1 and 3 threads.
    @Test(arguments: [(1, GradientReduction.mean, 1), (32, .sum, 1), (32, .mean, 3)])
    func sgdL2FollowsThePlainReference(_ batch: Int, _ reduction: GradientReduction, _ workers: Int) {
        func configure(_ t: inout TrainingConfiguration) {
            t.optimizer = .sgd
            t.batchSize = batch
            t.gradient = reduction
            t.workers = workers
            t.momentum = workers > 1 ? 0.5 : 0
            t.alpha = reduction == .mean ? 0.05 : 0.002
            t.l2 = 0.3
            t.epochs = 3
        }
        let (result, dataset, t, initial) = trainAgainstThePlainReference(samples: 1200, threads: 2, configure)
        var unpenalised = t
        unpenalised.l2 = nil
        let free = trainLibrary(dataset, unpenalised, threads: 2, initial: initial)
        #expect(result.history[0].loss > free.history[0].loss, "the penalty is part of the reported loss")
        // Shrunk towards zero: the penalised weights' norm is smaller.
        let width = dataset.featureCount + 1
        func norm(_ w: [Double]) -> Double {
            w.indices.filter { ($0 + 1) % width != 0 }.map { w[$0] * w[$0] }.reduce(0, +)
        }
        #expect(norm(result.weights) < norm(free.weights))
        let other = trainLibrary(
            makeDataset(
                (0..<dataset.rowCount).map { dataset.features(ofRow: $0) }, (0..<dataset.rowCount).map(dataset.label),
                classes: 3, threads: 3, as: Double.self), t, threads: 3, initial: initial)
        #expect(bits(other.weights) == bits(result.weights) && other.history.map(\.loss) == result.history.map(\.loss))
    }

    /// Softmax on 3 blobs of 3 features, configured by `configure`, trained from the seed's
    /// weights and by the plain reference: losses and weights within 1e-10.
    func trainAgainstThePlainReference(
        samples: Int, threads: Int, _ configure: (inout TrainingConfiguration) -> Void
    ) -> (TrainingResult<Double>, Dataset<Double>, TrainingConfiguration, [Double]) {
        let (x, y) = blobRows(samples: samples, features: 3, centers: 3, std: 3, seed: 4)
        let dataset = makeDataset(x, y, classes: 3, threads: threads, as: Double.self)
        var t = TrainingConfiguration()
        t.loss = .crossEntropy
        configure(&t)
        let initial = Trainer<Double>.initialWeights(count: 12, seed: 3)
        let result = trainLibrary(dataset, t, threads: threads, initial: initial)
        let reference = PlainReference.train(t, dataset: dataset, initial: initial, epochs: t.epochs)
        #expect(worstRelativeDifference(result.history.map(\.loss), reference.losses) <= 1e-10)
        #expect(worstRelativeDifference(result.weights, reference.weights, floor: 1) <= 1e-10)
        return (result, dataset, t, initial)
    }

    /// --tol with gradient descent: the run stops at the first epoch that ends a run of
    /// --n-iter-no-change (5 by default) epochs none of which lowered the best loss by more
    /// than tol (relative), as recomputed here from the loss curve.
    @Test(arguments: [(1e-3, nil), (1e-4, 3)] as [(Double, Int?)])
    func tolStopsWhenNoEpochImprovesEnough(_ tolerance: Double, _ window: Int?) {
        let (x, y) = blobRows(samples: 3000, features: 4, centers: 2, std: 5, seed: 9)
        let dataset = makeDataset(x, y, threads: 2, as: Double.self)
        var t = TrainingConfiguration()
        t.loss = .logLoss
        t.gradient = .mean
        t.alpha = 0.05
        t.epochs = 5000
        t.tolerance = tolerance
        t.patience = window
        let result = trainLibrary(dataset, t, threads: 2, initial: [Double](repeating: 0, count: 5))
        let losses = result.history.map(\.loss)
        var best = Double.infinity
        var since = 0
        var expected: Int?
        for (index, loss) in losses.enumerated() {
            if loss < best && (!best.isFinite || best - loss > tolerance * abs(best)) { since = 0 } else { since += 1 }
            best = min(best, loss)
            if since >= (window ?? 5) {
                expected = index + 1
                break
            }
        }
        let stop = try! #require(expected, "the loss curve never settled within 5000 epochs")
        #expect(result.stopReason == .settled(epoch: stop, window: window ?? 5))
        #expect(result.epochsRun == stop && stop > 10)
    }

    /// --alpha auto: every epoch lowers the loss (Armijo), the rates adapt, and the run is the
    /// plain reference's, which writes the backtracking out row by row.
    @Test(arguments: [GradientReduction.sum, .mean])
    func autoRateDescendsAndFollowsThePlainReference(_ reduction: GradientReduction) {
        let (result, _, _, _) = trainAgainstThePlainReference(samples: 2500, threads: 3) { t in
            t.gradient = reduction
            t.autoAlpha = true
            t.l2 = 0.01
            t.epochs = 15
        }
        #expect(result.history.count == 15)
        for (a, b) in zip(result.history, result.history.dropFirst()) {
            #expect(b.loss < a.loss, "epoch \(b.epoch): \(b.loss) after \(a.loss)")
        }
        #expect(Set(result.history.map(\.learningRate)).count > 2, "the rate adapts")
    }

    /// Every epoch of --alpha auto meets Armijo's condition at the rate it reports:
    /// loss(w_k) <= loss(w_{k-1}) - 1e-4 x rate x |g(w_{k-1})|^2, recomputed here from the
    /// weights a checkpoint holds after each epoch. On one overlapping feature the doubled
    /// rate soon overshoots the minimum along the gradient, where a loss that barely falls
    /// must be refused.
    @Test func autoRateMeetsArmijoEveryEpoch() {
        let (x, y) = blobRows(samples: 3000, features: 1, centers: 2, std: 8, seed: 5)
        let dataset = makeDataset(x, y, threads: 2, as: Double.self)
        var t = TrainingConfiguration()
        t.loss = .logLoss
        t.gradient = .mean
        t.autoAlpha = true
        t.epochs = 30
        let trainer = Trainer<Double>(configuration: t, train: dataset, executor: ShardedExecutor(threads: 2))
        var states: [TrainingState<Double>] = []
        let initial: [Double] = [3, -2]
        let result = trainer.train(
            initialWeights: initial, checkpointEvery: 1, onEpoch: { _ in }, onCheckpoint: { states.append($0) })
        let points = [initial] + states.map(\.weights) + [result.weights]
        #expect(points.count == 31)
        var halved = 0
        for k in 1..<points.count {
            var start = points[k - 1]
            var end = points[k]
            var g = [0.0, 0.0]
            var unused = [0.0, 0.0]
            let before = trainer.fullGradient(weights: &start, gradient: &g)
            let after = trainer.fullGradient(weights: &end, gradient: &unused)
            let rate = result.history[k - 1].learningRate
            let squares = g[0] * g[0] + g[1] * g[1]
            #expect(after <= before - 1e-4 * rate * squares, "epoch \(k): \(after) after \(before) at rate \(rate)")
            if k > 1 && rate < 2 * result.history[k - 2].learningRate { halved += 1 }
        }
        #expect(halved > 0, "some epoch had to halve the doubled rate")
    }

    /// The rule --alpha auto accepts a rate by: a decrease of at least 1e-4 x rate x |g|^2,
    /// not merely any decrease, and never a loss that is not finite.
    @Test func sufficientDecreaseIsArmijos() {
        #expect(Trainer<Double>.sufficientDecrease(from: 1, to: 0.9998, rate: 1, squaredGradient: 1))
        #expect(!Trainer<Double>.sufficientDecrease(from: 1, to: 0.99995, rate: 1, squaredGradient: 1))
        #expect(!Trainer<Double>.sufficientDecrease(from: 1, to: 0.99999, rate: 2, squaredGradient: 0.75))
        #expect(Trainer<Double>.sufficientDecrease(from: 1, to: 0.5, rate: 2, squaredGradient: 0.75))
        #expect(!Trainer<Double>.sufficientDecrease(from: 1, to: .nan, rate: 1, squaredGradient: 1))
        #expect(!Trainer<Double>.sufficientDecrease(from: .infinity, to: .infinity, rate: 1, squaredGradient: 0))
    }

    func accuracy(loss: Loss, centers: Int) throws -> Double {
        var c = RunConfiguration()
        // Seed 8 draws 3 and 5 centers that do not overlap at std 1.0 (seed 1's 5 centers do,
        // and no classifier separates overlapping blobs to 95%).
        c.samples = 6000
        c.centers = centers
        c.clusterStd = 1.0
        c.training.seed = 8
        c.loss = loss
        c.training.optimizer = .sgd
        c.training.batchSize = 32
        c.training.momentum = 0.9
        c.training.gradient = .mean
        c.training.alpha = 0.02
        c.training.epochs = 15
        c.threads = 2
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
        c.samples = 4000
        c.validationFraction = 0.25
        c.training.patience = 3
        c.training.epochs = 200
        c.training.optimizer = .sgd
        c.training.batchSize = 16
        c.training.gradient = .mean
        c.training.alpha = 2
        c.threads = 2
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
        let trainer = Trainer<Double>(
            configuration: result.trainingConfiguration, train: validation, executor: ShardedExecutor(threads: 2))
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
