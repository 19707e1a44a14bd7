/// Momentum, dampening, Nesterov and L2 weight decay, with exactly the update rules of
/// `torch.optim.SGD`:
///
///     g = grad + weight_decay * w
///     if momentum != 0:
///         b = g                                  (first step)
///         b = momentum * b + (1 - dampening) * g (later steps)
///         g = g + momentum * b  if nesterov  else  b
///     w = w - lr * g
///
/// With no momentum and no weight decay this is the tutorial's `W += -alpha * gradient`
/// (in IEEE arithmetic `w + (-(lr * g))` and `w - lr * g` are the same bits). Weight decay
/// applies to the bias too, as PyTorch's does to every parameter it is given.
package struct Optimizer<T: KernelScalar> {
    package let momentum: T
    package let dampening: T
    package let nesterov: Bool
    package let weightDecay: T
    /// The momentum buffer, one value per weight.
    package private(set) var velocity: [T]
    package private(set) var steps = 0

    package init(parameterCount: Int, momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double) {
        self.momentum = T(momentum)
        self.dampening = T(dampening)
        self.nesterov = nesterov
        self.weightDecay = T(weightDecay)
        velocity = [T](repeating: 0, count: parameterCount)
    }

    /// Calls `body` with the momentum buffer to read or replace it (model averaging sets
    /// every SGD worker's buffer to the workers' average).
    package mutating func withVelocity<R>(_ body: (inout UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
        try velocity.withUnsafeMutableBufferPointer(body)
    }

    /// Sets the momentum buffer and the step count (resuming from a checkpoint).
    package mutating func restore(velocity: [T], steps: Int) {
        precondition(velocity.count == self.velocity.count, "the momentum buffer does not fit the model")
        self.velocity = velocity
        self.steps = steps
    }

    /// Applies one update to `weights` from `gradient` with learning rate `rate`.
    @inline(__always)
    package mutating func step(weights: UnsafeMutablePointer<T>, gradient: UnsafePointer<T>, rate: T) {
        let first = steps == 0
        let keep = 1 - dampening
        let momentum = self.momentum
        let nesterov = self.nesterov
        let weightDecay = self.weightDecay
        velocity.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<buffer.count {
                var g = gradient[i]
                if weightDecay != 0 { g = g + weightDecay * weights[i] }
                if momentum != 0 {
                    buffer[i] = first ? g : momentum * buffer[i] + keep * g
                    g = nesterov ? g + momentum * buffer[i] : buffer[i]
                }
                weights[i] = weights[i] - rate * g
            }
        }
        steps += 1
    }
}
