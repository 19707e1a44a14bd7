import Foundation

/// The CSV that `descent predict` writes: a header, then one line per input row in input
/// order: `prediction` (the class's label name) and, with probabilities, one
/// `proba_<label>` column per class.
package enum PredictionCSV {
    /// A field quoted as RFC 4180 asks when it holds a comma, a quote or a line break.
    package static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The header line.
    package static func header(classNames: [String], probabilities: Bool) -> String {
        var line = "prediction"
        if probabilities { for name in classNames { line += "," + field("proba_" + name) } }
        return line + "\n"
    }

    /// The body, formatted in parallel in pieces of `piece` rows, returned in row order.
    /// Probabilities are printed in the shortest form that reads back to the same value.
    package static func body<T: KernelScalar>(
        _ predictions: Predictions<T>, classNames: [String], executor: ShardedExecutor,
        piece: Int = 1 << 16
    ) -> [Data] {
        let n = predictions.classes.count
        let k = predictions.classCount
        let pieces = (n + piece - 1) / piece
        let names = classNames.map { Array(field($0).utf8) }
        let withProbabilities = !predictions.probabilities.isEmpty
        var out = [Data](repeating: Data(), count: pieces)
        out.withUnsafeMutableBufferPointer { buffer in
            let box = UncheckedBox(buffer.baseAddress!)
            executor.run(iterations: min(executor.threads, max(1, pieces))) { t in
                var p = t
                while p < pieces {
                    var bytes: [UInt8] = []
                    bytes.reserveCapacity(piece * (8 + (withProbabilities ? k * 20 : 0)))
                    for row in (p * piece)..<min(n, (p + 1) * piece) {
                        if predictions.isRegression {
                            // A regression's value, in the shortest form that reads back the same.
                            bytes.append(contentsOf: predictions.probabilities[row].description.utf8)
                            bytes.append(UInt8(ascii: "\n"))
                            continue
                        }
                        bytes.append(contentsOf: names[Int(predictions.classes[row])])
                        if withProbabilities {
                            for c in 0..<k {
                                bytes.append(UInt8(ascii: ","))
                                bytes.append(contentsOf: predictions.probabilities[row * k + c].description.utf8)
                            }
                        }
                        bytes.append(UInt8(ascii: "\n"))
                    }
                    box.value[p] = Data(bytes)
                    p += executor.threads
                }
            }
        }
        return out
    }
}
