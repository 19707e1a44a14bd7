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

    @Option(
        help: ArgumentHelp(
            "Rows to predict: CSV (header optional), .npy (2-D) or .npz (X, optional y).", valueName: "file"))
    var input: String

    @Option(help: ArgumentHelp("Where to write the predictions CSV. Default: standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Add one probability column per class (proba_<label>).")
    var proba = false

    @Option(
        name: .customLong("label-column"), parsing: .unconditional,
        help:
            "The input's label column, by header name or 0-based index (-1 the last). Default: the model's label name, else one extra last column."
    )
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
            try Ranks.agree(
                on:
                    "\(weights) \(scaling) \(model.classes.names) \(model.loss) \(model.precision) \(input) \(proba) \(labelColumn ?? "")",
                command: "predict")
            switch model.precision {
            case .float64: try predict(model, as: Double.self)
            case .float32: try predict(model, as: Float.self)
            }
            try Exit.checkStandardOutput()
            Ranks.finish()
        } catch let exit as ExitCode {
            throw Ranks.fail(exit)
        } catch {
            throw Ranks.fail(error)
        }
    }

    func predict<T: KernelScalar>(_ model: ModelFile, as _: T.Type) throws {
        let threads = self.threads ?? Topology.current.usableCPUCount
        // Over MPI ranks each rank holds and predicts its share of the rows (in proportion
        // to its threads); rank 0 gathers the predictions and writes them.
        let ranks = Ranks.group(threads: threads)
        let run = try PredictionRun<T>(
            model: model, modelPath: self.model, input: input, labelColumn: labelColumn, probabilities: proba,
            threads: threads, ranks: ranks)
        if Ranks.quiet {
            // One voice: rank 0 writes the predictions.
        } else if let output {
            try run.write(to: output)
        } else {
            let (header, body) = run.csv()
            StandardOutput.write(header)
            for piece in body { StandardOutput.write(piece) }
        }
        note(
            "[INFO] predicted \(Format.count(run.dataset.rowCount)) rows with \(model.featureNames.count) features, \(model.loss.isRegression ? "a regression" : "\(model.classCount) classes"); \(T.precisionName); \(threads) thread\(threads == 1 ? "" : "s")"
                + (ranks.map { " per rank, over \($0.size) MPI ranks" } ?? "")
                + " (loaded in \(String(format: "%.3f", run.loadSeconds)) s, predicted in \(String(format: "%.4f", run.predictSeconds)) s)"
        )
        if let regression = run.regression {
            let text = "[INFO] \(regression.rendered)\n"
            if output == nil { note(text) } else { print(text, terminator: "") }
        }
        guard let report = run.report else { return }
        let text =
            report.rendered() + (run.probabilityMetrics.map { "[INFO] \($0.rendered)\n" } ?? "")
            + "[INFO] confusion matrix (rows: true class, columns: predicted):\n"
            + report.renderedConfusionMatrix()
        if output == nil { note(text) } else { print(text, terminator: "") }
    }
}
