import Foundation

/// The largest relative difference between `a` and `b`, element by element, relative to
/// `max(|b_i|, floor)`. It is infinity when the lengths differ or any value is NaN or
/// infinite, so `worst <= tolerance` fails on broken results instead of passing them
/// (`max(x, .nan)` is x, and `.nan > tolerance` is false).
package func worstRelativeDifference(_ a: [Double], _ b: [Double], floor: Double = 1e-300) -> Double {
    guard a.count == b.count else { return .infinity }
    var worst = 0.0
    for (x, y) in zip(a, b) {
        guard x.isFinite && y.isFinite else { return .infinity }
        let difference = abs(x - y) / max(abs(y), floor)
        if !(difference <= worst) { worst = difference }
    }
    return worst
}

/// Folds `value` into a running worst case so that a NaN makes the result NaN, which no
/// `<=` comparison accepts.
@inlinable
package func worse(_ worst: Double, _ value: Double) -> Double {
    value.isNaN || worst.isNaN ? .nan : max(worst, value)
}
