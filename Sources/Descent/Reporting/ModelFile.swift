import Foundation

/// A trained model as saved in `model.json`: weights (one row per output unit, bias last),
/// and everything needed to reproduce or reuse it.
///
/// The file carries `format-version` (``formatVersion``); readers refuse other versions
/// and files without one. Its keys: `format-version`, `descent-version`, `precision`,
/// `loss`, `features` (names, in column order), `label` (the label column's name),
/// `classes` (label names in class order), `class-kind` (`numeric` or `text`: how labels
/// are compared), `weights`, optional `standardization` (`mean`, `std`), `seed`, `layout`
/// and `configuration`.
public struct ModelFile: Equatable, Sendable {
    /// The version of the model file layout this build writes and reads.
    public static let formatVersion = 1

    public var weights: [[Double]]
    public var precision: Precision
    public var loss: Loss
    public var featureNames: [String]
    public var labelName: String
    public var classes: LabelEncoding
    public var standardization: Standardization?
    public var seed: UInt64
    /// The training files' `--weight-column` (from the configuration): a column of that name
    /// in the rows to predict is skipped, not read as a feature.
    public var weightColumn: String? = nil
    /// How the svmlight training file numbered its features (`.zero` or `.one`), so that
    /// `descent predict` reads svmlight input the same way; nil for a model of dense data.
    package var indexBase: IndexBase? = nil
    public var classCount: Int { classes.count }

    public init(
        weights: [[Double]], precision: Precision, loss: Loss, featureNames: [String], labelName: String = "label",
        classes: LabelEncoding, standardization: Standardization?, seed: UInt64
    ) {
        self.weights = weights
        self.precision = precision
        self.loss = loss
        self.featureNames = featureNames
        self.labelName = labelName
        self.classes = classes
        self.standardization = standardization
        self.seed = seed
    }

    /// The JSON object written to disk: `configuration` is the run's settings by key.
    public func json(configuration: [String: JSONValue]) -> [String: JSONValue] {
        var o: [String: JSONValue] = [
            "format-version": .init(ModelFile.formatVersion),
            "descent-version": .init(descentVersion), "precision": .init(precision.rawValue),
            "loss": .init(loss.rawValue),
            "features": .init(featureNames), "label": .init(labelName),
            "task": .init(loss.isRegression ? "regression" : "classification"),
            "classes": .init(loss.isRegression ? [] : classes.names),
            "class-kind": .init(classes.kind.rawValue), "weights": .array(weights.map { JSONValue($0) }),
            "seed": .number(Double(seed)),
            "layout": "one row per output unit: weights of the features in order, then the bias",
            "configuration": .object(configuration),
        ]
        if let s = standardization { o["standardization"] = ["mean": .init(s.mean), "std": .init(s.std)] }
        if let indexBase { o["svmlight"] = ["index-base": .init(indexBase.rawValue)] }
        return o
    }

    /// Reads a model file written by `descent train --output`.
    ///
    /// - Throws: ``DescentError/input(_:)`` when the file is missing, empty or not JSON (with
    ///   the line and column), has no or another `format-version`, or has fields of the
    ///   wrong shape (each named). Numbers must be JSON numbers: `true` is not 1.
    public static func read(path: String) throws -> ModelFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DescentError.input(
                "\(path): cannot read the model file (does it exist?); give the model.json that `descent train --output DIR` wrote"
            )
        }
        return try read(data: MappedFile.contents(of: path, role: "--model"), path: path)
    }

    /// Parses `data` as JSON for a message-naming `path`: empty and malformed files are
    /// input errors with a location.
    static func parseJSON(_ data: Data, path: String, what: String) throws -> JSONValue {
        if data.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) {
            throw DescentError.input(
                "\(path): \(what) is empty; give the model.json that `descent train --output DIR` wrote")
        }
        do {
            return try JSONParser.parse(data)
        } catch {
            throw DescentError.input("\(path): \(error)")
        }
    }

    /// Reads a model file's JSON text (`path` names it in messages).
    public static func read(data: Data, path: String) throws -> ModelFile {
        guard case .object(let object) = try parseJSON(data, path: path, what: "the model file") else {
            throw DescentError.input("\(path): not a Descent model file (not a JSON object)")
        }
        return try read(object: object, path: path)
    }

    static func read(object: [String: JSONValue], path: String) throws -> ModelFile {
        guard let versionValue = object["format-version"] else {
            throw DescentError.input(
                "\(path): no format-version: written by an older Descent or by another program; this build reads model format \(formatVersion): train again to write one"
            )
        }
        guard case .number(let versionNumber) = versionValue, versionNumber == versionNumber.rounded(),
            abs(versionNumber) < 1e9
        else {
            throw DescentError.input("\(path): 'format-version' must be a whole number (got \(versionValue))")
        }
        let version = Int(versionNumber)
        guard version == formatVersion else {
            throw DescentError.input(
                "\(path): model format-version \(version), but this build of Descent reads format-version \(formatVersion); use the Descent that wrote it or train again"
            )
        }
        func wrong(_ key: String, _ what: String) -> DescentError {
            DescentError.input("\(path): '\(key)' is missing or is not \(what)")
        }
        func string(_ key: String, _ what: String) throws -> String {
            guard case .string(let v) = object[key] else { throw wrong(key, what) }
            return v
        }
        func strings(_ key: String, _ what: String) throws -> [String] {
            guard case .array(let items) = object[key] else { throw wrong(key, what) }
            return try items.map { item in
                guard case .string(let v) = item else { throw wrong(key, what) }
                return v
            }
        }
        func numbers(_ value: JSONValue?, _ key: String, _ what: String) throws -> [Double] {
            guard case .array(let items) = value else { throw wrong(key, what) }
            return try items.map { item in
                guard case .number(let v) = item else {
                    throw DescentError.input("\(path): '\(key)' must hold numbers only (found \(item))")
                }
                return v
            }
        }
        let precisionName = try string("precision", "float32 or float64")
        let lossName = try string("loss", "a loss name")
        guard let precision = Precision(rawValue: precisionName) else {
            throw DescentError.input("\(path): unknown precision '\(precisionName)'")
        }
        guard let loss = Loss(rawValue: lossName) else {
            throw DescentError.input("\(path): unknown loss '\(lossName)'")
        }
        let features = try strings("features", "an array of feature names")
        let names = try strings("classes", "an array of class names")
        let kindName = try string("class-kind", "numeric or text")
        guard let kind = LabelEncoding.Kind(rawValue: kindName) else {
            throw DescentError.input("\(path): 'class-kind' must be numeric or text")
        }
        guard case .array(let rows) = object["weights"] else { throw wrong("weights", "an array of arrays of numbers") }
        let weights = try rows.map { try numbers($0, "weights", "an array of arrays of numbers") }
        guard weights.joined().allSatisfy(\.isFinite) else {
            throw DescentError.input("\(path): the weights must be finite numbers")
        }
        guard names.count <= Dataset<Double>.maximumClasses else {
            throw DescentError.input(
                "\(path): \(names.count) classes; descent handles at most \(Dataset<Double>.maximumClasses)")
        }
        let outputs = loss.outputCount(classCount: names.count)
        // A regression model (its loss says so) has no classes.
        guard loss.isRegression ? names.isEmpty : names.count >= 2, weights.count == outputs,
            weights.allSatisfy({ $0.count == features.count + 1 })
        else {
            throw DescentError.input(
                "\(path): \(weights.count) weight rows of \(weights.map { String($0.count) }.joined(separator: "/")) numbers do not fit \(names.count) classes, \(features.count) features and loss \(loss.rawValue) (need \(outputs) rows of \(features.count + 1))"
            )
        }
        var standardization: Standardization?
        if let value = object["standardization"], value != .null {
            let shape = DescentError.input(
                "\(path): 'standardization' needs 'mean' and 'std' arrays of \(features.count) numbers (std > 0)")
            guard case .object(let s) = value,
                let mean = try? numbers(s["mean"], "standardization", "numbers"),
                let std = try? numbers(s["std"], "standardization", "numbers"),
                mean.count == features.count, std.count == features.count,
                mean.allSatisfy(\.isFinite), std.allSatisfy({ $0 > 0 && $0.isFinite })
            else { throw shape }
            standardization = Standardization(mean: mean, std: std)
        }
        var labelName = "label"
        if case .string(let v) = object["label"] { labelName = v }
        var seed: UInt64 = 0
        if case .number(let v) = object["seed"], v >= 0, v < 1.8e19, v == v.rounded() { seed = UInt64(v) }
        var model = ModelFile(
            weights: weights, precision: precision, loss: loss, featureNames: features,
            labelName: labelName,
            classes: loss.isRegression ? LabelEncoding(indices: 1) : LabelEncoding(kind: kind, names: names),
            standardization: standardization, seed: seed)
        if case .object(let configuration)? = object["configuration"],
            case .string(let column)? = configuration["weight-column"]
        {
            model.weightColumn = column
        }
        if let value = object["svmlight"] {
            guard case .object(let svm) = value, case .string(let name)? = svm["index-base"],
                let base = IndexBase(rawValue: name), base != .auto
            else {
                throw DescentError.input("\(path): 'svmlight' must be {\"index-base\": \"zero\" or \"one\"}")
            }
            model.indexBase = base
        }
        return model
    }

    /// Checks that this model fits data with `featureNames` and `classes`.
    ///
    /// - Parameters:
    ///   - names: the data's feature names.
    ///   - namedColumns: false when the data's columns have no names (a CSV file
    ///     without a header, a NumPy array): then only their number is compared.
    ///   - other: the data's classes, if known.
    ///   - path: the model file, for messages.
    ///   - data: how the data are named in messages (for example `--input rows.csv`).
    /// - Throws: ``DescentError/input(_:)`` saying what differs.
    public func checkFits(
        featureNames names: [String], namedColumns: Bool = true, classes other: LabelEncoding?, path: String,
        data: String
    ) throws {
        if names.count != featureNames.count {
            throw DescentError.input(
                "\(path): the model has \(featureNames.count) feature\(featureNames.count == 1 ? "" : "s") (\(featureNames.joined(separator: ", "))), but \(data) has \(names.count) (\(names.joined(separator: ", "))); use data with the model's columns"
            )
        }
        if namedColumns && names != featureNames {
            throw DescentError.input(
                "\(path): the model's features are \(featureNames.joined(separator: ", ")), but \(data) has \(names.joined(separator: ", ")); the columns must have the same names in the same order"
            )
        }
        if let other, other.names != classes.names {
            throw DescentError.input(
                "\(path): the model's classes are \(classes.names.joined(separator: ", ")), but \(data) has \(other.names.joined(separator: ", "))"
            )
        }
    }

    /// Reads initial weights from `path`: a model JSON written by Descent, or CSV lines of
    /// numbers (one line per output unit, each `features + 1` numbers with the bias last).
    ///
    /// - Throws: ``DescentError/input(_:)`` when the file is missing, malformed, or holds
    ///   the wrong number of weights.
    /// A model file (one with a `format-version`) must also have the data's feature names
    /// (`expectedFeatureNames`) and classes (`expectedClasses`) when they are given.
    public static func readWeights(
        path: String, outputs: Int, features: Int, expectedFeatureNames: [String]? = nil,
        expectedClasses: LabelEncoding? = nil
    ) throws -> [Double] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DescentError.input("\(path): cannot read the --init-weights file (does it exist?)")
        }
        let data = try MappedFile.contents(of: path, role: "--init-weights")
        let expected =
            "\(outputs) line\(outputs == 1 ? "" : "s") of \(features + 1) numbers (\(features) weight\(features == 1 ? "" : "s"), then the bias)"
        var rows: [[Double]] = []
        if data.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) {
            throw DescentError.input("\(path): the --init-weights file is empty; it needs \(expected), or a model.json")
        }
        if let first = data.first(where: { !($0 == 32 || $0 == 9 || $0 == 10 || $0 == 13) }),
            first == UInt8(ascii: "{") || first == 0xEF
        {
            guard case .object(let object) = try parseJSON(data, path: path, what: "the --init-weights file") else {
                throw DescentError.input("\(path): not a Descent model JSON (not a JSON object)")
            }
            if object["format-version"] != nil {
                // A model file: it must be one this build reads, for data like this.
                let model = try read(object: object, path: path)
                if let expected = expectedFeatureNames {
                    try model.checkFits(
                        featureNames: expected, classes: expectedClasses, path: path, data: "the training data")
                }
                rows = model.weights
            } else {
                // A bare {"weights": [[...], ...]}.
                guard case .array(let weights) = object["weights"] else {
                    throw DescentError.input("\(path): not a Descent model JSON (no \"weights\" array of arrays)")
                }
                rows = try weights.map { row in
                    guard case .array(let items) = row else {
                        throw DescentError.input("\(path): not a Descent model JSON (no \"weights\" array of arrays)")
                    }
                    return try items.map { item in
                        guard case .number(let n) = item else {
                            throw DescentError.input(
                                "\(path): the weights must be numbers (found \(item)); expected \(expected)")
                        }
                        return n
                    }
                }
            }
        } else {
            let text = String(decoding: data, as: UTF8.self)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { continue }
                rows.append(
                    try trimmed.split(separator: ",").map { cell in
                        guard let v = Double(cell.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                            throw DescentError.input(
                                "\(path):\(number + 1): '\(cell)' is not a finite number; expected \(expected)")
                        }
                        return v
                    })
            }
        }
        guard rows.count == outputs, rows.allSatisfy({ $0.count == features + 1 }) else {
            throw DescentError.input(
                "\(path): holds \(rows.map { String($0.count) }.joined(separator: "+")) weights; this model needs \(expected)"
            )
        }
        guard rows.joined().allSatisfy(\.isFinite) else {
            throw DescentError.input("\(path): the weights must be finite numbers")
        }
        return Array(rows.joined())
    }
}
