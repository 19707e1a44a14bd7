import Foundation

/// How a loss is printed on the console: the tutorial's `%.7f` while that stays short, and
/// scientific notation (`%.6e`) from 1e6 up, so that a loss that explodes but stays finite
/// (`--alpha 1e300`) prints as `3.763548e+128`, not as 129 digits.
///
/// A finite loss, however large, is not a divergence: training goes on and the run exits 0.
/// Only a loss or weights that are no longer finite stop it (exit status 3).
package enum LossText {
    /// `value` as `%.7f` when |value| < 1e6, else `%.6e`; `nan`, `inf` and `-inf` as such.
    package static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return abs(value) < 1e6 ? String(format: "%.7f", value) : String(format: "%.6e", value)
    }
}
