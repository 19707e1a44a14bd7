import Foundation

/// The version written into model files and printed by `descent --version`.
public let descentVersion = "0.1.0"

/// A trained model as saved in `model.json`: weights (one row per output unit, bias last),
/// and everything needed to reproduce or reuse it.
public struct ModelFile: Equatable {
    public var weights: [[Double]]
    public var precision: Precision
    public var loss: Loss
    public var featureNames: [String]
    public var classCount: Int
    public var standardization: Standardization?
    public var seed: UInt64

    public init(weights: [[Double]], precision: Precision, loss: Loss, featureNames: [String], classCount: Int,
                standardization: Standardization?, seed: UInt64) {
        self.weights = weights; self.precision = precision; self.loss = loss; self.featureNames = featureNames
        self.classCount = classCount; self.standardization = standardization; self.seed = seed
    }

    /// The JSON object written to disk (`configuration` is the run's, with file keys).
    public func jsonObject(configuration: [String: Any]) -> [String: Any] {
        var o: [String: Any] = [
            "descent-version": descentVersion, "precision": precision.rawValue, "loss": loss.rawValue,
            "features": featureNames, "classes": classCount, "weights": weights, "seed": Int(seed),
            "layout": "one row per output unit: weights of the features in order, then the bias",
            "configuration": configuration,
        ]
        if let s = standardization { o["standardization"] = ["mean": s.mean, "std": s.std] }
        return o
    }

    /// Reads initial weights from `path`: a model JSON written by Descent, or CSV lines of
    /// numbers (one line per output unit, each `features + 1` numbers with the bias last).
    ///
    /// - Throws: ``DescentError/input(_:)`` when the file is missing, malformed, or holds
    ///   the wrong number of weights.
    public static func readWeights(path: String, outputs: Int, features: Int) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DescentError.input("\(path): cannot read the --init-weights file (does it exist?)")
        }
        let expected = "\(outputs) line\(outputs == 1 ? "" : "s") of \(features + 1) numbers (\(features) weight\(features == 1 ? "" : "s"), then the bias)"
        var rows: [[Double]] = []
        if let first = data.first(where: { !($0 == 32 || $0 == 9 || $0 == 10 || $0 == 13) }), first == UInt8(ascii: "{") {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let weights = object["weights"] as? [[Any]] else {
                throw DescentError.input("\(path): not a Descent model JSON (no \"weights\" array of arrays)")
            }
            rows = try weights.map { row in
                try row.map { v in
                    guard let n = v as? NSNumber else { throw DescentError.input("\(path): the weights must be numbers") }
                    return n.doubleValue
                }
            }
        } else {
            let text = String(decoding: data, as: UTF8.self)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { continue }
                rows.append(try trimmed.split(separator: ",").map { cell in
                    guard let v = Double(cell.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                        throw DescentError.input("\(path):\(number + 1): '\(cell)' is not a finite number; expected \(expected)")
                    }
                    return v
                })
            }
        }
        guard rows.count == outputs, rows.allSatisfy({ $0.count == features + 1 }) else {
            throw DescentError.input("\(path): holds \(rows.map { String($0.count) }.joined(separator: "+")) weights; this model needs \(expected)")
        }
        guard rows.joined().allSatisfy(\.isFinite) else { throw DescentError.input("\(path): the weights must be finite numbers") }
        return Array(rows.joined())
    }
}
