import Foundation

/// The files `--output DIR` writes besides the streamed `loss.csv` (see ``LossLog``): loss
/// curve (SVG), test data scatter with the decision regions (SVG), metrics (JSON) and the
/// model (JSON), into the run's ``RunFolder``.
public enum RunReport {
    /// At most this many test points are drawn in `data.svg` (the first ones of the test
    /// set, which is already in random order).
    public static let scatterPointLimit = 2_000

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
        // On rank 0 of a multi-process run, only the rows it holds (the first ones).
        let held = test.ownedChunks.lowerBound == 0 ? test.chunks.rows(ofChunks: test.ownedChunks).count : 0
        let shown = min(held, scatterPointLimit)
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

    /// The metrics object written to `metrics.json`; `run` names the run its folder holds.
    public static func metrics<T: KernelScalar>(_ result: ExperimentResult<T>, threads: Int, run: RunIdentity? = nil) -> [String: Any] {
        let epochs = result.training.epochsRun
        var o: [String: Any] = [
            "epochs-run": epochs,
            "kept-epoch": result.training.keptEpoch,
            "stop-reason": result.training.stopReason.summary,
            "final-loss": result.training.lastRecord?.loss ?? 0,
            "train-rows": result.data.train.rowCount,
            "test-rows": result.data.test.rowCount,
            "threads": threads,
            "train-seconds": result.trainSeconds,
            "prepare-seconds": result.prepareSeconds,
            "rows-per-second": result.trainSeconds > 0
                ? Double(result.data.train.rowCount * max(0, epochs - result.resumedEpochs)) / result.trainSeconds : 0,
        ]
        if let run { o["run"] = run.jsonObject }
        if result.resumedEpochs > 0 { o["resumed-at-epoch"] = result.resumedEpochs }
        if let report = result.report,
           let data = try? JSONEncoder().encode(report),
           let object = try? JSONSerialization.jsonObject(with: data) {
            o["test"] = object
            o["accuracy"] = report.accuracy
        }
        return o
    }

    /// Writes the run's files other than `loss.csv` into `folder` (its staging folder);
    /// returns the names written. After a divergence there is no model worth keeping: only
    /// the loss plot and the metrics are written.
    @discardableResult
    public static func write<T: KernelScalar>(_ result: ExperimentResult<T>, curve: [EpochRecord], configuration: RunConfiguration,
                                              threads: Int, run: RunIdentity, into folder: RunFolder) throws -> [String] {
        var written: [String] = ["loss.csv"]
        func put(_ name: String, _ data: Data) throws {
            try folder.write(name, data)
            written.append(name)
        }
        try put("loss.svg", Data(lossSVG(curve).utf8))
        try put("metrics.json", try AtomicFile.json(metrics(result, threads: threads, run: run)))
        guard result.report != nil else { return written }
        try put("data.svg", Data(dataSVG(result).utf8))
        let width = result.data.train.featureCount + 1
        let weights = (0..<result.outputs).map { k in (0..<width).map { Double(result.training.weights[k * width + $0]) } }
        let model = ModelFile(weights: weights, precision: configuration.precision, loss: result.loss,
                              featureNames: result.data.featureNames, labelName: result.data.labelName, classes: result.data.classes,
                              standardization: result.data.standardization, seed: configuration.training.seed)
        var object = model.jsonObject(configuration: configuration.jsonObject(resolvedLoss: result.loss))
        object["run"] = run.jsonObject
        try put("model.json", try AtomicFile.json(object))
        return written
    }
}
