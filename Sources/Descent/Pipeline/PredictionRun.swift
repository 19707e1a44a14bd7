import Dispatch
import Foundation

/// `descent predict`: a saved model applied to the rows of a file. The rows are read as a
/// test file is (``DataPreparation/readRows(_:into:classes:ranks:executor:)``), scaled by the
/// model's standardization, and predicted by the prediction kernel; over ranks each rank
/// predicts its share and every rank ends with all the predictions.
package struct PredictionRun<T: KernelScalar> {
    package var model: ModelFile
    /// The rows, as read (labels packed when the file has a label column).
    package var dataset: Dataset<T>
    /// The classes (and with `probabilities`, the class probabilities) of every row.
    package var predictions: Predictions<T>
    /// The classification report, when the rows have labels.
    package var report: ClassificationReport?
    /// Log loss and ROC AUC, when the rows have labels and the model probabilities.
    package var probabilityMetrics: ProbabilityMetrics?
    /// RMSE, MAE and R^2, when a regression model's rows have targets.
    package var regression: RegressionReport?
    package var threads: Int
    package var loadSeconds: Double
    package var predictSeconds: Double

    /// Reads `input` and predicts its rows with `model`.
    ///
    /// - Parameters:
    ///   - modelPath: where `model` was read from, for messages.
    ///   - labelColumn: the input's label column (nil: the model's label name if present,
    ///     else one extra last column).
    ///   - probabilities: whether to compute class probabilities (not for hinge models).
    /// - Throws: ``DescentError/input(_:)`` when the rows do not fit the model (features by
    ///   number and name, labels by class) or are malformed.
    package init(
        model: ModelFile, modelPath: String, input: String, labelColumn: String?, probabilities: Bool,
        threads: Int, ranks: RankGroup?
    ) throws {
        if probabilities && model.loss.isRegression {
            throw DescentError.configuration(
                "--proba: a regression model (--loss \(model.loss.rawValue)) predicts values, not class probabilities; drop --proba"
            )
        }
        if probabilities && model.loss == .hinge {
            throw DescentError.configuration(
                "--proba: a hinge-loss model has scores, not probabilities; train with --loss cross-entropy or log-loss for probabilities"
            )
        }
        let executor = ShardedExecutor(threads: threads)
        let started = DispatchTime.now().uptimeNanoseconds
        if SVMLightFile.named(input) {
            if let labelColumn {
                throw DescentError.configuration(
                    "--label-column '\(labelColumn)': an svmlight file's label is the first field of each line; leave --label-column out"
                )
            }
            let dataset: Dataset<T> = try DataPreparation.readSVMLight(
                path: input, role: "--input", featureCount: model.featureNames.count,
                base: model.indexBase ?? .zero, classes: model.classes, regression: model.loss.isRegression,
                executor: executor)
            model.standardization?.apply(to: dataset, executor: executor)
            try self.init(
                model: model, input: input, dataset: dataset, labelled: true, probabilities: probabilities,
                threads: threads, started: started)
            return
        }
        let file = try RowFiles.open(
            path: input, role: "--input",
            labelColumn: labelColumn.map { .named($0) }
                ?? .ifPresent(name: model.labelName, featureCount: model.featureNames.count),
            weightColumn: model.weightColumn.map { WeightColumnChoice($0, optional: true) },
            targets: model.loss.isRegression, executor: executor)
        try model.checkFits(
            featureNames: file.featureNames, namedColumns: file.namedColumns, classes: nil, path: modelPath, data: input
        )
        let dataset = Dataset<T>(
            rowCount: file.rowCount, featureCount: model.featureNames.count, classCount: model.classCount,
            executor: executor, ranks: ranks, packingLabels: false, weighted: file.hasWeights
        ) { _, _, _ in }
        try DataPreparation.readRows(file, into: dataset, classes: model.classes, ranks: ranks, executor: executor)
        model.standardization?.apply(to: dataset, executor: executor)
        try FiniteCheck.require([("input", dataset)], featureNames: model.featureNames, executor: executor) {
            _, column, value in
            "\(input): column '\(column)' gives \(value) in \(T.precisionName)"
                + (model.standardization == nil ? "" : " after the model's standardization")
                + " (\(FiniteCheck.rangeNote(T.self))); rescale the column"
                + (MemoryLayout<T>.size == 4 ? " or use a float64 model" : "")
        }
        try self.init(
            model: model, input: input, dataset: dataset, labelled: file.labelName != nil,
            probabilities: probabilities, threads: threads, started: started)
    }

    /// Predicts the rows of `dataset` (read from `input`, standardized by the model) and,
    /// when `labelled`, scores the predictions against the labels.
    init(
        model: ModelFile, input: String, dataset: Dataset<T>, labelled: Bool, probabilities: Bool, threads: Int,
        started: UInt64
    ) throws {
        let executor = ShardedExecutor(threads: threads)
        let loaded = DispatchTime.now().uptimeNanoseconds
        let weights = model.weights.flatMap { $0 }.map { T($0) }
        var predictions =
            model.loss.isRegression
            ? PredictionKernel.predictTargets(dataset, weights: weights, executor: executor)
            : PredictionKernel.predict(
                dataset, weights: weights, loss: model.loss, classCount: model.classCount,
                probabilities: probabilities, executor: executor)
        if let share = dataset.share { predictions = predictions.gathered(share, chunks: dataset.chunks) }
        if model.loss.isRegression {
            if labelled { regression = RegressionReport.of(dataset, weights: weights, executor: executor) }
        } else if labelled {
            let confusion = ConfusionMatrix.of(dataset, weights: weights, loss: model.loss, executor: executor)
            report = ClassificationReport(confusion: confusion, labels: model.classes.names)
            probabilityMetrics = ProbabilityMetrics.of(
                dataset, weights: weights, loss: model.loss, executor: executor)
        }
        let predicted = DispatchTime.now().uptimeNanoseconds
        self.model = model
        self.dataset = dataset
        self.predictions = predictions
        self.threads = threads
        loadSeconds = Double(loaded - started) / 1e9
        predictSeconds = Double(predicted - loaded) / 1e9
    }

    /// The predictions as CSV: the header, then the rows in pieces made in parallel.
    package func csv() -> (header: Data, body: [Data]) {
        let header = Data(
            PredictionCSV.header(
                classNames: model.classes.names,
                probabilities: !predictions.probabilities.isEmpty && !predictions.isRegression
            ).utf8)
        return (
            header,
            PredictionCSV.body(
                predictions, classNames: model.classes.names, executor: ShardedExecutor(threads: threads))
        )
    }

    /// Writes the predictions CSV to `path` atomically.
    package func write(to path: String) throws {
        let (header, body) = csv()
        do {
            let file = try AtomicFile.Writer(path: path)
            try file.write(header)
            for piece in body { try file.write(piece) }
            try file.commit()
        } catch {
            throw DescentError.output("\(path): cannot write the predictions (\(error))")
        }
    }
}
