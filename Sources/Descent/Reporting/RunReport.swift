import Foundation

/// The files `--output DIR` writes, each atomically: loss curve (SVG and CSV), test data
/// scatter with the decision regions (SVG), metrics (JSON) and the model (JSON).
public enum RunReport {
    /// At most this many test points are drawn in `data.svg` (the first ones of the test
    /// set, which is already in random order).
    public static let scatterPointLimit = 2_000

    /// `epoch,loss,learning_rate,validation_loss,seconds`, one line per epoch.
    public static func lossCSV(_ history: [EpochRecord]) -> String {
        var out = "epoch,loss,learning_rate,validation_loss,seconds\n"
        for r in history {
            out += "\(r.epoch),\(r.loss),\(r.learningRate),\(r.validationLoss.map { "\($0)" } ?? ""),\(String(format: "%.6f", r.seconds))\n"
        }
        return out
    }

    /// The tutorial's "Training Loss" plot (and the validation loss when there is one).
    public static func lossSVG(_ history: [EpochRecord]) -> String {
        let plot = SVGPlot(title: "Training Loss", xLabel: "Epoch #", yLabel: "Loss")
        var series = [SVGPlot.Series(label: "training loss", points: history.map { (Double($0.epoch), $0.loss) }, color: SVGPlot.palette[0])]
        if history.contains(where: { $0.validationLoss != nil }) {
            series.append(SVGPlot.Series(label: "validation loss", points: history.compactMap { r in r.validationLoss.map { (Double(r.epoch), $0) } },
                                         color: SVGPlot.palette[1], dashed: true))
        }
        return plot.lines(series)
    }

    /// The tutorial's "Data" plot: test points coloured by true label, over the decision
    /// regions of the learned model when there are two features.
    public static func dataSVG<T: KernelScalar>(_ result: ExperimentResult<T>) -> String {
        let test = result.data.test
        let shown = min(test.rowCount, scatterPointLimit)
        let points = (0..<shown).map { r in
            (Double(test.feature(r, 0)), test.featureCount > 1 ? Double(test.feature(r, 1)) : 0, test.label(r))
        }
        var plot = SVGPlot(title: "Data", xLabel: result.data.featureNames.first ?? "x0",
                           yLabel: result.data.featureNames.count > 1 ? result.data.featureNames[1] : "")
        if test.rowCount > shown { plot.title = "Data (first \(shown) of \(test.rowCount) test points)" }
        let weights = result.training.weights, outputs = result.outputs
        let regions: ((Double, Double) -> Int)? = test.featureCount == 2
            ? { x, y in Experiment.predict([x, y], weights: weights, outputs: outputs) } : nil
        return plot.scatter(SVGPlot.Scatter(points: points), classes: result.data.classCount,
                            classNames: result.data.classes.names, regions: regions)
    }

    /// The metrics object written to `metrics.json`.
    public static func metrics<T: KernelScalar>(_ result: ExperimentResult<T>, threads: Int) -> [String: Any] {
        var o: [String: Any] = [
            "epochs-run": result.training.history.count,
            "kept-epoch": result.training.keptEpoch,
            "stop-reason": result.training.stopReason.summary,
            "final-loss": result.training.history.last?.loss ?? 0,
            "train-rows": result.data.train.rowCount,
            "test-rows": result.data.test.rowCount,
            "threads": threads,
            "train-seconds": result.trainSeconds,
            "prepare-seconds": result.prepareSeconds,
            "rows-per-second": result.trainSeconds > 0
                ? Double(result.data.train.rowCount * result.training.history.count) / result.trainSeconds : 0,
        ]
        if let report = result.report,
           let data = try? JSONEncoder().encode(report),
           let object = try? JSONSerialization.jsonObject(with: data) {
            o["test"] = object
            o["accuracy"] = report.accuracy
        }
        return o
    }

    /// Writes every output file into `directory`; returns the paths written. After a
    /// divergence only the loss files are written (there is no model worth keeping).
    @discardableResult
    public static func write<T: KernelScalar>(_ result: ExperimentResult<T>, configuration: RunConfiguration,
                                              threads: Int, to directory: String) throws -> [String] {
        try AtomicFile.makeDirectory(directory)
        var written: [String] = []
        func put(_ name: String, _ text: String) throws {
            let path = (directory as NSString).appendingPathComponent(name)
            try AtomicFile.write(text, to: path)
            written.append(path)
        }
        func putJSON(_ name: String, _ object: Any) throws {
            let path = (directory as NSString).appendingPathComponent(name)
            try AtomicFile.write(try AtomicFile.json(object), to: path)
            written.append(path)
        }
        try put("loss.csv", lossCSV(result.training.history))
        try put("loss.svg", lossSVG(result.training.history))
        guard result.report != nil else { return written }
        try put("data.svg", dataSVG(result))
        try putJSON("metrics.json", metrics(result, threads: threads))
        let width = result.data.train.featureCount + 1
        let weights = (0..<result.outputs).map { k in (0..<width).map { Double(result.training.weights[k * width + $0]) } }
        let model = ModelFile(weights: weights, precision: configuration.precision, loss: result.loss,
                              featureNames: result.data.featureNames, labelName: result.data.labelName, classes: result.data.classes,
                              standardization: result.data.standardization, seed: configuration.training.seed)
        try putJSON("model.json", model.jsonObject(configuration: configuration.jsonObject(resolvedLoss: result.loss)))
        return written
    }
}
