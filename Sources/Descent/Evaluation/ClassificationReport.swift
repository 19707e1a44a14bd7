import Foundation

/// Precision, recall, f1-score and support per class, with accuracy and macro and
/// weighted averages, computed from a confusion matrix and printed in scikit-learn's
/// `classification_report` layout.
public struct ClassificationReport: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1Score: Double
        public var support: Int

        /// The row as `metrics.json` holds it (scikit-learn's names).
        public var json: JSONValue {
            [
                "label": .init(label), "precision": .init(precision), "recall": .init(recall),
                "f1-score": .init(f1Score),
                "support": .init(support),
            ]
        }
    }

    public var classes: [Row]
    public var accuracy: Double
    public var macroAverage: Row
    public var weightedAverage: Row
    /// Rows are true classes, columns predicted classes.
    public var confusionMatrix: [[Int]]

    /// The report as `metrics.json` holds it under "test".
    public var json: JSONValue {
        [
            "classes": .array(classes.map(\.json)), "accuracy": .init(accuracy), "macro-avg": macroAverage.json,
            "weighted-avg": weightedAverage.json,
            "confusion-matrix": .array(confusionMatrix.map { .array($0.map { JSONValue($0) }) }),
        ]
    }

    /// Builds the report. A metric whose denominator is zero is 0, as scikit-learn's
    /// `zero_division="warn"` default reports it.
    public init(confusion: [[Int]], labels: [String]? = nil) {
        let k = confusion.count
        precondition(confusion.allSatisfy { $0.count == k }, "confusion matrix must be square")
        confusionMatrix = confusion
        let names = labels ?? (0..<k).map(String.init)
        let total = confusion.reduce(0) { $0 + $1.reduce(0, +) }
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        let rows: [Row] = (0..<k).map { c in
            let truePositive = confusion[c][c]
            let predicted = (0..<k).reduce(0) { $0 + confusion[$1][c] }
            let actual = confusion[c].reduce(0, +)
            let p = ratio(truePositive, predicted)
            let r = ratio(truePositive, actual)
            let f = p + r == 0 ? 0 : 2 * p * r / (p + r)
            return Row(label: names[c], precision: p, recall: r, f1Score: f, support: actual)
        }
        classes = rows
        accuracy = ratio((0..<k).reduce(0) { $0 + confusion[$1][$1] }, total)
        let n = Double(max(k, 1))
        macroAverage = Row(
            label: "macro avg", precision: classes.reduce(0) { $0 + $1.precision } / n,
            recall: classes.reduce(0) { $0 + $1.recall } / n,
            f1Score: classes.reduce(0) { $0 + $1.f1Score } / n, support: total)
        let w = { (value: (Row) -> Double) in
            total == 0 ? 0 : rows.reduce(0) { $0 + value($1) * Double($1.support) } / Double(total)
        }
        weightedAverage = Row(
            label: "weighted avg", precision: w { $0.precision }, recall: w { $0.recall },
            f1Score: w { $0.f1Score }, support: total)
    }

    /// The report as scikit-learn prints it (`digits` decimals, default 2).
    public func rendered(digits: Int = 2) -> String {
        let width = max(classes.map(\.label.count).max() ?? 0, "weighted avg".count, digits)
        func right(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func fixed(_ v: Double) -> String { formatFixed(v, digits: digits) }
        func row(_ r: Row) -> String {
            right(r.label, width) + " " + " " + right(fixed(r.precision), 9) + " " + right(fixed(r.recall), 9)
                + " " + right(fixed(r.f1Score), 9) + " " + right(String(r.support), 9) + "\n"
        }
        var out =
            right("", width) + " " + " " + right("precision", 9) + " " + right("recall", 9) + " "
            + right("f1-score", 9) + " " + right("support", 9) + "\n\n"
        for r in classes { out += row(r) }
        out += "\n"
        out +=
            right("accuracy", width) + " " + " " + right("", 9) + " " + right("", 9) + " "
            + right(fixed(accuracy), 9) + " " + right(String(weightedAverage.support), 9) + "\n"
        out += row(macroAverage)
        out += row(weightedAverage)
        return out
    }

    /// The confusion matrix as a small table: rows are true classes, columns predicted.
    public func renderedConfusionMatrix() -> String {
        let cells = confusionMatrix.flatMap { $0 }.map { String($0) }
        let width = max(cells.map(\.count).max() ?? 1, classes.map(\.label.count).max() ?? 1, 4)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        let labelWidth = max("true\\pred".count, classes.map(\.label.count).max() ?? 1)
        var out = "true\\pred".padding(toLength: labelWidth, withPad: " ", startingAt: 0)
        for c in classes { out += "  " + pad(c.label) }
        out += "\n"
        for (i, row) in confusionMatrix.enumerated() {
            out += classes[i].label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            for v in row { out += "  " + pad(String(v)) }
            out += "\n"
        }
        return out
    }
}

/// Formats `value` with `digits` decimals (C's `%.Nf`, correctly rounded like Python's `format`).
func formatFixed(_ value: Double, digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}
