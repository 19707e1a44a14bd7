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

    /// The largest relative difference between a run and the reference's losses and weights.
    package static func referenceDifference(_ run: RunRecord, losses: [Double], weights: [Double]) -> Double {
        func relative(_ a: [Double], _ b: [Double]) -> Double {
            guard a.count == b.count else { return .infinity }
            let scale = max(b.map(abs).max() ?? 0, 1e-300)
            var worst = 0.0
            for (x, y) in zip(a, b) {
                if x.isNaN || y.isNaN { return .infinity }
                worst = max(worst, abs(x - y) / max(abs(y), scale * 1e-3))
            }
            return worst
        }
        return max(relative(run.losses, losses), relative(run.weights, weights))
    }

    /// Builds the table from a serial run and the runs to check (serial first in the table).
    package static func rows(serial: RunRecord, runs: [RunRecord], reference: (losses: [Double], weights: [Double]))
        -> [VerificationRow]
    {
        ([serial] + runs).map { run in
            let (identical, first) = compare(run, serial: serial)
            return VerificationRow(
                threads: run.threads, finalLoss: run.losses.last ?? .nan, weightsHash: run.weightsHash,
                identicalToSerial: identical, firstDifferentEpoch: first,
                referenceDifference: referenceDifference(run, losses: reference.losses, weights: reference.weights))
        }
    }
}
