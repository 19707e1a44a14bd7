import ArgumentParser
import Descent
import Dispatch
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the classes of rows with a model that `descent train --output DIR` wrote.",
        discussion: """
        Reads CSV, .npy or .npz rows, applies the model's standardization, and writes a CSV \
        with a header: `prediction` (the label name) and, with --proba, one `proba_<label>` \
        column per class. The rows need the model's feature columns; a label column (found \
        by the model's label name, --label-column, or as one extra last column) is optional: \
        when present, the classification report and confusion matrix are printed too (on \
        standard error when the predictions go to standard output).

        With the MPI build under `mpirun`, each rank predicts its share of the rows and rank 0 \
        writes them all: the same file and report as one process.

        Exit status: 0 done; 2 bad input (a model of other features or classes, malformed \
        rows); 4 the output could not be written.
        """
    )

    @Option(help: ArgumentHelp("The model.json written by `descent train --output DIR`.", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("Rows to predict: CSV (header optional), .npy (2-D) or .npz (X, optional y).", valueName: "file"))
    var input: String

    @Option(help: ArgumentHelp("Where to write the predictions CSV. Default: standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Add one probability column per class (proba_<label>).")
    var proba = false

    @Option(name: .customLong("label-column"), parsing: .unconditional,
            help: "The input's label column, by header name or 0-based index (-1 the last). Default: the model's label name, else one extra last column.")
    var labelColumn: String?

    @Option(help: "Threads. Default: the CPUs this process may use. Any value gives the same bits.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    func run() throws {
        do {
            try Ranks.start()
            let model = try ModelFile.read(path: self.model)
            // Every rank must apply the same model to the same rows; --threads and --output
            // (written by rank 0 alone) may differ.
            let weights = model.weights.flatMap { $0 }.map(\.bitPattern)
            let scaling = model.standardization.map { ($0.mean + $0.std).map(\.bitPattern) } ?? []
            try Ranks.agree(on: "\(weights) \(scaling) \(model.classes.names) \(model.loss) \(model.precision) \(input) \(proba) \(labelColumn ?? "")",
                            command: "predict")
            if proba && model.loss == .hinge {
                throw DescentError.configuration("--proba: a hinge-loss model has scores, not probabilities; train with --loss cross-entropy or log-loss for probabilities")
            }
            switch model.precision {
            case .float64: try predict(model, as: Double.self)
            case .float32: try predict(model, as: Float.self)
            }
            Ranks.finish()
        } catch let exit as ExitCode {
            throw Ranks.fail(exit)
        } catch {
            throw Ranks.fail(error)
        }
    }

    func predict<T: KernelScalar>(_ model: ModelFile, as _: T.Type) throws {
        let threads = self.threads ?? Topology.current.usableCPUCount
        let executor = ShardedExecutor(threads: threads)
        // Over MPI ranks each rank holds and predicts its share of the rows (in proportion
        // to its threads); rank 0 gathers the predictions and writes them.
        let ranks = Ranks.group(threads: threads)
        let started = DispatchTime.now().uptimeNanoseconds
        let file = try RowFiles.open(path: input, role: "--input",
                                     labelColumn: labelColumn.map { .named($0) } ?? .ifPresent(name: model.labelName, featureCount: model.featureNames.count),
                                     executor: executor)
        try model.checkFits(featureNames: file.featureNames, namedColumns: file.namedColumns, classes: nil, path: self.model,
                            data: input)
        let dataset = Dataset<T>(rowCount: file.rowCount, featureCount: model.featureNames.count, classCount: model.classCount,
                                 executor: executor, ranks: ranks, packingLabels: false) { _, _, _ in }
        let hasLabels = file.labelName != nil
        if let ranks, let npy = file as? NPYFile, threads <= RowSink<T>.maximumParts {
            // NumPy input over ranks: each rank reads its own rows by offset; the labels'
            // checks see every rank's labels, so every rank reports the same unknown label.
            let local = try npy.read(rowsOf: dataset, from: { BlobGenerator.consecutiveRows(from: $0) }, executor: executor)
            if hasLabels {
                let gathered = ranks.gatherLabels(local)
                let maps = try model.classes.classMaps(gathered.all, path: file.path, describe: file.describe(position:))
                DataPreparation.setLabels(dataset, parts: Array(maps[gathered.mine]), classCount: model.classCount, executor: executor)
            }
        } else {
            // One process, or CSV (or more than 256 threads) over ranks: a rank parses only
            // the rows it keeps (a CSV's other rows are skipped to their line ends), and the
            // labels are checked against the model's classes over every rank's, as above.
            let local = try file.read(into: RowSink(dataset: dataset), executor: executor)
            if hasLabels {
                let gathered = RankGroup.gatherLabels(local, over: ranks)
                let maps = try model.classes.classMaps(gathered.all, path: file.path, describe: file.describe(position:))
                DataPreparation.setLabels(dataset, parts: Array(maps[gathered.mine]), classCount: model.classCount, executor: executor)
            }
        }
        model.standardization?.apply(to: dataset, executor: executor)
        try FiniteCheck.require([("input", dataset)], featureNames: model.featureNames, executor: executor) { _, column, value in
            "\(input): column '\(column)' gives \(value) in \(T.precisionName)"
                + (model.standardization == nil ? "" : " after the model's standardization")
                + " (\(FiniteCheck.rangeNote(T.self))); rescale the column" + (MemoryLayout<T>.size == 4 ? " or use a float64 model" : "")
        }
        let loaded = DispatchTime.now().uptimeNanoseconds
        let weights = model.weights.flatMap { $0 }.map { T($0) }
        var predictions = PredictionKernel.predict(dataset, weights: weights, loss: model.loss, classCount: model.classCount,
                                                   probabilities: proba, executor: executor)
        if let share = dataset.share { predictions = predictions.gathered(share, chunks: dataset.chunks) }
        let predicted = DispatchTime.now().uptimeNanoseconds
        let header = Data(PredictionCSV.header(classNames: model.classes.names, probabilities: proba).utf8)
        let body = Ranks.quiet ? [] : PredictionCSV.body(predictions, classNames: model.classes.names, executor: executor)
        if Ranks.quiet {
            // One voice: rank 0 writes the predictions.
        } else if let output {
            do {
                var data = header
                for piece in body { data.append(piece) }
                try AtomicFile.write(data, to: output)
            } catch {
                throw DescentError.output("\(output): cannot write the predictions (\(error))")
            }
        } else {
            FileHandle.standardOutput.write(header)
            for piece in body { FileHandle.standardOutput.write(piece) }
        }
        note("[INFO] predicted \(Format.count(file.rowCount)) rows with \(model.featureNames.count) features, \(model.classCount) classes; \(T.precisionName); \(threads) thread\(threads == 1 ? "" : "s")"
             + (ranks.map { " per rank, over \($0.size) MPI ranks" } ?? "")
             + " (loaded in \(String(format: "%.3f", Double(loaded - started) / 1e9)) s, predicted in \(String(format: "%.4f", Double(predicted - loaded) / 1e9)) s)")
        guard hasLabels else { return }
        let report = ClassificationReport(confusion: predictions.confusion(against: dataset), labels: model.classes.names)
        let text = report.rendered() + "[INFO] confusion matrix (rows: true class, columns: predicted):\n" + report.renderedConfusionMatrix()
        if output == nil { note(text) } else { print(text, terminator: "") }
    }
}
