/// What one training run produced, as the determinism harness compares it.
package struct RunRecord: Sendable, Equatable {
    package var threads: Int
    /// Bit patterns of the loss of every epoch.
    package var lossBits: [UInt64]
    /// Bit patterns of the final weights (float32 widened without change of value).
    package var weightBits: [UInt64]
    package var losses: [Double]
    package var weights: [Double]

    package init<T: KernelScalar>(threads: Int, history: [EpochRecord], weights: [T]) {
        self.threads = threads
        losses = history.map(\.loss)
        lossBits = losses.map(\.bitPattern)
        self.weights = weights.map(Double.init)
        weightBits = self.weights.map(\.bitPattern)
    }

    /// FNV-1a over the weights' bits: a short fingerprint to compare runs and builds.
    package var weightsHash: String {
        FNV1a.hex(
            FNV1a.hash(
                bytes: weightBits.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }))
    }
}

/// One line of the verification table.
package struct VerificationRow: Sendable, Equatable {
    package var threads: Int
    package var finalLoss: Double
    package var weightsHash: String
    /// Loss curve and weights are the same bits as the serial run's.
    package var identicalToSerial: Bool
    /// The first epoch (1-based) whose loss differs from the serial run's; the last epoch
    /// when only the final weights differ; nil when identical.
    package var firstDifferentEpoch: Int?
    /// The largest relative difference from the plain reference over the loss curve and
    /// the final weights.
    package var referenceDifference: Double
}

/// The determinism harness: compares runs at several thread counts with the serial run,
/// bit for bit, and with the plain reference within a tolerance.
package enum Verifier {
    /// Stated tolerances against the plain reference (relative to the largest magnitude):
    /// float64 1e-9; float32 1e-3 (the reference computes in float64).
    package static func tolerance(for precision: Precision) -> Double { precision == .float64 ? 1e-9 : 1e-3 }

    /// Compares `run` with `serial`.
    package static func compare(_ run: RunRecord, serial: RunRecord) -> (identical: Bool, firstDifferentEpoch: Int?) {
        if run.lossBits == serial.lossBits && run.weightBits == serial.weightBits { return (true, nil) }
        for (i, (a, b)) in zip(run.lossBits, serial.lossBits).enumerated() where a != b { return (false, i + 1) }
        return (false, max(run.lossBits.count, serial.lossBits.count))
    }

    /// The largest relative difference between a run and the reference's losses and weights:
    /// each value's difference over its own magnitude, or over a thousandth of the largest
    /// when that is more.
    ///
    /// With `lbfgs` the weights are compared with the largest weight and count at a
    /// thousandth (so the tolerance is 1e-6 for them in float64): L-BFGS's line search judges
    /// steps by the loss, which cannot see a weight move below about sqrt(eps loss /
    /// curvature), so its last steps can differ from the reference's by that much (measured:
    /// 1.7e-7 on weights of 100, a loss of 57 that agreed to 1e-15 at every iteration). The
    /// loss curve keeps the full tolerance.
    package static func referenceDifference(
        _ run: RunRecord, losses: [Double], weights: [Double], lbfgs: Bool = false
    ) -> Double {
        let weightFloor = lbfgs ? 1 : 1e-3
        func relative(_ a: [Double], _ b: [Double], floor: Double) -> Double {
            guard a.count == b.count else { return .infinity }
            let scale = max(b.map(abs).max() ?? 0, 1e-300)
            var worst = 0.0
            for (x, y) in zip(a, b) {
                if x.isNaN || y.isNaN { return .infinity }
                worst = max(worst, abs(x - y) / max(abs(y), scale * floor))
            }
            return worst
        }
        return max(
            relative(run.losses, losses, floor: 1e-3),
            relative(run.weights, weights, floor: weightFloor) * (lbfgs ? 1e-3 : 1))
    }

    /// Builds the table from a serial run and the runs to check (serial first in the table).
    package static func rows(
        serial: RunRecord, runs: [RunRecord], reference: (losses: [Double], weights: [Double]),
        lbfgs: Bool = false
    ) -> [VerificationRow] {
        ([serial] + runs).map { run in
            let (identical, first) = compare(run, serial: serial)
            return VerificationRow(
                threads: run.threads, finalLoss: run.losses.last ?? .nan, weightsHash: run.weightsHash,
                identicalToSerial: identical, firstDifferentEpoch: first,
                referenceDifference: referenceDifference(
                    run, losses: reference.losses, weights: reference.weights, lbfgs: lbfgs))
        }
    }
}
