/// The per-row part of a loss, on one vector of rows: from the scores z_k (one vector per
/// output unit, `scores[k * stride]`) and the labels, it leaves dLoss/dz_k in place of z_k
/// and returns the losses.
///
/// Every conforming type does the same arithmetic in every lane, and a chunk's tail is the
/// same vector code with the unused lanes masked to zero afterwards.
///
/// For regression losses the labels are the targets (``ScalarTargets``). `parameter` is the
/// loss's one setting, the same in every lane (Huber's epsilon); losses without one ignore it.
package protocol LossKernel {
    static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, as _: T.Type
    ) -> T.Vector
    static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, parameter: T.Vector,
        as _: T.Type
    ) -> T.Vector
}

extension LossKernel {
    @inlinable @inline(__always)
    package static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, parameter: T.Vector,
        as type: T.Type
    ) -> T.Vector {
        apply(scores, stride: stride, outputs: outputs, labels: labels, as: type)
    }
}

/// Least squares on a linear output (regression): loss (z - y)^2 / 2, dz = z - y. Its mean
/// over rows is scikit-learn's `Ridge` objective divided by n, so `--l2 L` is `Ridge(alpha=n L)`.
package enum LeastSquaresKernel: LossKernel {
    @inlinable @inline(__always)
    package static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, as _: T.Type
    ) -> T.Vector {
        let r = scores[0] - labels
        scores[0] = r
        return r * r * T.Vector(repeating: 0.5)
    }
}

/// Huber's loss on a linear output (regression), with threshold epsilon (`--epsilon`): for
/// r = z - y, r^2 / 2 where |r| <= epsilon, else epsilon |r| - epsilon^2 / 2 (scikit-learn's
/// `SGDRegressor(loss="huber")`, torch's `HuberLoss(delta=epsilon)`). dz = r clipped to
/// [-epsilon, epsilon], and the loss is written c r - c^2 / 2 with that c, which is both
/// pieces at once and continuous at the knee.
package enum HuberKernel: LossKernel {
    @inlinable @inline(__always)
    package static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, as type: T.Type
    ) -> T.Vector {
        apply(scores, stride: stride, outputs: outputs, labels: labels, parameter: T.Vector(repeating: 1), as: type)
    }

    @inlinable @inline(__always)
    package static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, parameter: T.Vector,
        as _: T.Type
    ) -> T.Vector {
        let r = scores[0] - labels
        // min(r, eps) = -max(-r, -eps); then max(that, -eps).
        let c = T.maximum(
            T.Vector(repeating: 0) - T.maximum(T.Vector(repeating: 0) - r, T.Vector(repeating: 0) - parameter),
            T.Vector(repeating: 0) - parameter)
        scores[0] = c
        return c * r - c * c * T.Vector(repeating: 0.5)
    }
}

/// The tutorial's squared error on a sigmoid: loss (p - y)^2, dz = (p - y) p (1 - p).
///
/// The factor 2 of the true derivative is left out, exactly as the tutorial's gradient
/// `X^T [(p - y) p (1 - p)]` leaves it out.
package enum SquaredErrorKernel: LossKernel {
    @inlinable @inline(__always)
    package static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, as _: T.Type
    ) -> T.Vector {
        let p = T.vectorSigmoid(scores[0])
        let error = p - labels
        scores[0] = error * (p * (T.Vector(repeating: 1) - p))
        return error * error
    }
}

/// Binary cross-entropy on a sigmoid: loss softplus(z) - y z, dz = p - y.
///
/// With a = |z| and q = e^-a (never overflowing), p = 1 / (1 + q) for z >= 0 and
/// q / (1 + q) below, and softplus(z) = (z + a) / 2 + log(1 + q).
package enum LogLossKernel: LossKernel {
    @inlinable @inline(__always)
    package static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, as _: T.Type
    ) -> T.Vector {
        let z = scores[0]
        let one = T.Vector(repeating: 1)
        let a = T.select(ifNegative: z, -z, else: z)
        let q = T.vectorExp(-a)
        let onePlusQ = one + q
        let p = T.select(ifNegative: z, q, else: one) / onePlusQ
        scores[0] = p - labels
        return ((z + a) * T.Vector(repeating: 0.5) + T.vectorLog(onePlusQ)) - labels * z
    }
}

/// Softmax cross-entropy over K outputs: loss log(sum e^(z_k - m)) - (z_y - m), dz_k = p_k - [y = k].
package enum CrossEntropyKernel: LossKernel {
    @inlinable @inline(__always)
    package static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, as _: T.Type
    ) -> T.Vector {
        var maximum = scores[0]
        for k in 1..<outputs { maximum = T.maximum(scores[k * stride], maximum) }
        var total = T.Vector(repeating: 0)
        var trueScore = T.Vector(repeating: 0)
        for k in 0..<outputs {
            let shifted = scores[k * stride] - maximum
            trueScore = trueScore + shifted * T.indicator(labels, equals: T.Vector(repeating: T(k)))
            let e = T.vectorExp(shifted)
            scores[k * stride] = e
            total = total + e
        }
        for k in 0..<outputs {
            let p = scores[k * stride] / total
            scores[k * stride] = p - T.indicator(labels, equals: T.Vector(repeating: T(k)))
        }
        return T.vectorLog(total) - trueScore
    }
}

/// Multi-class SVM loss (Weston-Watkins, as in CS231n): sum over k != y of max(0, z_k - z_y + 1);
/// dz_k = [margin_k > 0] for k != y, and dz_y = -(number of positive margins).
package enum HingeKernel: LossKernel {
    @inlinable @inline(__always)
    package static func apply<T: KernelScalar>(
        _ scores: UnsafeMutablePointer<T.Vector>, stride: Int, outputs: Int, labels: T.Vector, as _: T.Type
    ) -> T.Vector {
        var trueScore = T.Vector(repeating: 0)
        for k in 0..<outputs {
            trueScore = trueScore + scores[k * stride] * T.indicator(labels, equals: T.Vector(repeating: T(k)))
        }
        let one = T.Vector(repeating: 1)
        var loss = T.Vector(repeating: 0)
        var positives = T.Vector(repeating: 0)
        for k in 0..<outputs {
            let isOther = one - T.indicator(labels, equals: T.Vector(repeating: T(k)))
            let active = T.indicatorPositive(scores[k * stride] - trueScore + one) * isOther
            loss = loss + (scores[k * stride] - trueScore + one) * active
            positives = positives + active
            scores[k * stride] = active
        }
        for k in 0..<outputs {
            scores[k * stride] = scores[k * stride] - positives * T.indicator(labels, equals: T.Vector(repeating: T(k)))
        }
        return loss
    }
}
