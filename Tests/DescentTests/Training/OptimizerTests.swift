import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The optimizer's update (``Optimizer``): momentum, dampening, Nesterov and weight decay as
/// PyTorch applies them, alone and over a whole run.
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
        var w = 1.0
        var b = 0.0
        for (t, g0) in grads.enumerated() {
            let g = g0 + 0.01 * w
            b = t == 0 ? g : 0.9 * b + (1 - 0.1) * g
            w = w - 0.1 * b
        }
        var optimizer = Optimizer<Double>(
            parameterCount: 1, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0.01)
        var weights = [1.0]
        for g in grads {
            weights.withUnsafeMutableBufferPointer {
                optimizer.step(weights: $0.baseAddress!, gradient: [g], rate: 0.1)
            }
        }
        #expect(weights[0] == w)
        #expect(optimizer.velocity[0] == b)

        // Nesterov (dampening must be 0).
        var wn = 1.0
        var bn = 0.0
        for (t, g0) in grads.enumerated() {
            let g = g0 + 0.01 * wn
            bn = t == 0 ? g : 0.9 * bn + g
            wn = wn - 0.1 * (g + 0.9 * bn)
        }
        var nesterov = Optimizer<Double>(
            parameterCount: 1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.01)
        var wv = [1.0]
        for g in grads {
            wv.withUnsafeMutableBufferPointer { nesterov.step(weights: $0.baseAddress!, gradient: [g], rate: 0.1) }
        }
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
        t.optimizer = .sgd
        t.batchSize = 100
        t.momentum = 0.9
        t.nesterov = true
        t.weightDecay = 1e-3
        t.gradient = .mean
        t.alpha = 0.05
        t.epochs = 3
        t.schedule = .cosine
        let initial = Trainer<Double>.initialWeights(count: 3, seed: 1)
        let result = trainLibrary(dataset, t, threads: 2, initial: initial)
        let reference = PlainReference.train(t, dataset: dataset, initial: initial, epochs: 3)
        #expect(result.weights.count == reference.weights.count)
        #expect(worstRelativeDifference(result.weights, reference.weights, floor: 1) <= 1e-10)
        for (a, b) in zip(result.history.map(\.loss), reference.losses) {
            #expect(abs(a - b) <= 1e-10 * max(1, abs(b)))
        }
    }
}
