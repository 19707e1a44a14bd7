import Foundation

/// The files `--output DIR` writes besides the streamed `loss.csv` (see ``LossLog``): loss
/// curve (SVG), test data scatter with the decision regions (SVG), metrics (JSON) and the
/// model (JSON), into the run's ``RunFolder``.
package enum RunReport {
    /// At most this many test points are drawn in `data.svg` (the first ones of the test
    /// set, which is already in random order).
    package static let scatterPointLimit = 2_000

    /// The tutorial's "Training Loss" plot (and the validation loss when there is one).
    package static func lossSVG(_ history: [EpochRecord]) -> String {
        let plot = SVGPlot(title: "Training Loss", xLabel: "Epoch #", yLabel: "Loss")
        var series = [
            SVGPlot.Series(
                label: "training loss", points: history.map { (Double($0.epoch), $0.loss) }, color: SVGPlot.palette[0])
        ]
        if history.contains(where: { $0.validationLoss != nil }) {
            series.append(
                SVGPlot.Series(
                    label: "validation loss",
                    points: history.compactMap { r in r.validationLoss.map { (Double(r.epoch), $0) } },
                    color: SVGPlot.palette[1], dashed: true))
        }
        return plot.lines(series)
    }

    /// The tutorial's "Data" plot: test points coloured by true label, over the decision
    /// regions of the learned model when there are two features.
    package static func dataSVG<T: KernelScalar>(_ result: ExperimentResult<T>) -> String {
        let test = result.data.test
        // On rank 0 of a multi-process run, only the rows it holds (the first ones).
        let held = test.ownedChunks.lowerBound == 0 ? test.chunks.rows(ofChunks: test.ownedChunks).count : 0
        let shown = min(held, scatterPointLimit)
        let points = (0..<shown).map { r in
            (Double(test.feature(r, 0)), test.featureCount > 1 ? Double(test.feature(r, 1)) : 0, test.label(r))
        }
        var plot = SVGPlot(
            title: "Data", xLabel: result.data.featureNames.first ?? "x0",
            yLabel: result.data.featureNames.count > 1 ? result.data.featureNames[1] : "")
        if test.rowCount > shown { plot.title = "Data (first \(shown) of \(test.rowCount) test points)" }
        let weights = result.training.weights
        let outputs = result.outputs
        let regions: (([(Double, Double)]) -> [Int])? =
            test.featureCount == 2
            ? { cells in PredictionKernel.classes(of: cells.map { [$0.0, $0.1] }, weights: weights, outputs: outputs) }
            : nil
        return plot.scatter(
            SVGPlot.Scatter(points: points), classes: result.data.classCount,
            classNames: result.data.classes.names, regions: regions)
    }

    /// The metrics object written to `metrics.json`; `run` names the run its folder holds.
    package static func metrics<T: KernelScalar>(_ result: ExperimentResult<T>, threads: Int, run: RunIdentity? = nil)
        -> JSONValue
    {
        let epochs = result.training.epochsRun
        var o: [String: JSONValue] = [
            "epochs-run": .init(epochs),
            "kept-epoch": .init(result.training.keptEpoch),
            "stop-reason": .init(result.training.stopReason.summary),
            "final-loss": .init(result.training.lastRecord?.loss ?? 0),
            "train-rows": .init(result.data.train.rowCount),
            "test-rows": .init(result.data.test.rowCount),
            "threads": .init(threads),
            "train-seconds": .init(result.trainSeconds),
            "prepare-seconds": .init(result.prepareSeconds),
            "rows-per-second": .init(
                result.trainSeconds > 0
                    ? Double(result.data.train.rowCount * max(0, epochs - result.resumedEpochs)) / result.trainSeconds
                    : 0),
        ]
        if let run { o["run"] = run.json }
        let training = result.trainingConfiguration
        if training.resolvedSolver == .lbfgs {
            let tolerance = training.tolerance ?? TrainingConfiguration.defaultTolerance
            o["solver"] = "lbfgs"
            o["iterations"] = .init(epochs)
            o["tol"] = .init(tolerance)
            o["gradient-max"] = .init(result.training.gradientMaximum ?? 0)
            if case .converged = result.training.stopReason { o["converged"] = true } else { o["converged"] = false }
        }
        if training.searchesEachStep {
            o["passes"] = .init(result.training.passes)
            o["rows-per-second"] = .init(
                result.trainSeconds > 0
                    ? Double(result.data.train.rowCount * result.training.passes) / result.trainSeconds : 0)
        }
        if let warning = RunReport.convergenceWarning(result) { o["warning"] = .init(warning) }
        if result.resumedEpochs > 0 { o["resumed-at-epoch"] = .init(result.resumedEpochs) }
        if let report = result.report {
            o["test"] = report.json
            o["accuracy"] = .init(report.accuracy)
        }
        if let regression = result.regression {
            o["test"] = .object(regression.json)
            o["rmse"] = .init(regression.rmse)
            o["r2"] = .init(regression.r2)
        }
        if let figures = result.probabilityMetrics {
            o["test-log-loss"] = .init(figures.logLoss)
            o["roc-auc"] = figures.rocAUC.map { JSONValue($0) } ?? .null
        }
        return .object(o)
    }

    /// Epochs without a new best training loss at the end of a full-batch run after which the
    /// run gets a warning (an SGD run: a quarter of its epochs, at least this many, since its
    /// mean batch loss is noisy).
    package static let stallEpochs = 10

    /// What to say when the run ended in a way the user should hear about: L-BFGS used every
    /// iteration without converging, or gradient descent or SGD ran its epochs while the
    /// training loss stopped falling (a learning rate too large makes it cycle). Nil otherwise.
    package static func convergenceWarning<T: KernelScalar>(_ result: ExperimentResult<T>) -> String? {
        let training = result.trainingConfiguration
        guard result.training.stopReason == .epochsCompleted else { return nil }
        if training.resolvedSolver == .gd {
            let sgd = training.optimizer == .sgd
            let window = sgd ? max(stallEpochs, result.training.epochsRun / 4) : stallEpochs
            let since = result.training.epochsSinceImprovement
            guard result.data.validation == nil, since >= window, result.training.epochsRun >= 2 * window,
                let last = result.training.lastRecord?.loss
            else { return nil }
            let rate = training.alpha
            return
                "the training loss has not improved on its best (\(LossText.format(result.training.bestLoss))) in the last \(since) epochs (the last was \(LossText.format(last))). If it cycles, the learning rate is too large: try --alpha \(rate / 10)\(sgd ? " or a --schedule" : ""), or --solver lbfgs, which needs none; if it has settled, --tol stops the run when it does"
        }
        let tolerance = training.tolerance ?? TrainingConfiguration.defaultTolerance
        let largest = result.training.gradientMaximum ?? .infinity
        return
            "L-BFGS did not converge in \(result.training.epochsRun) iterations (the largest gradient component is \(largest), --tol is \(tolerance)); raise --max-iter, or raise --tol to accept this model"
    }

    /// A worker runs fewer batches an epoch than this: ``workerWarning(_:)`` speaks.
    package static let fewBatchesPerWorker = 8

    /// A warning when `--workers K` leaves each worker so few batches an epoch that averaging
    /// costs progress: K models averaged after the same S steps move about as far as one
    /// model's S steps, so an epoch of K workers makes about K times fewer sequential steps than
    /// one worker's, whatever `--sync-every` is. Nil when K = 1 or the workers run enough batches.
    package static func workerWarning<T: KernelScalar>(_ result: ExperimentResult<T>) -> String? {
        let training = result.trainingConfiguration
        guard training.optimizer == .sgd, training.workers > 1 else { return nil }
        let share = result.data.train.rowCount / training.workers
        let size = max(1, training.batchSize)
        let batches = share / size + (share % size == 0 || training.dropLast ? 0 : 1)
        guard batches < fewBatchesPerWorker else { return nil }
        return
            "each of the \(training.workers) workers runs only \(batches) batch\(batches == 1 ? "" : "es") of \(training.batchSize) rows an epoch: averaging makes about \(training.workers) times fewer sequential steps an epoch than one worker, whatever --sync-every is (scikit-learn's digits, batch 32, 60 epochs: test accuracy 0.926 at --workers 16 against 0.965 at 1). Use fewer --workers (at most \(max(1, result.data.train.rowCount / max(1, training.batchSize) / fewBatchesPerWorker)) here), a smaller --batch-size, or more epochs"
    }

    /// The run's files other than `loss.csv`, by name, in the order they are written. After a
    /// divergence there is no model worth keeping: only the loss plot and the metrics.
    ///
    /// - Parameters:
    ///   - curve: the epochs to plot (``LossCurve``).
    ///   - configuration: the run's configuration: `model.json` records its identity settings
    ///     (what the run computed, by key, with the loss resolved), not where or on how many
    ///     threads it ran, so the models of the same run made anywhere are the same file.
    package static func files<T: KernelScalar>(
        _ result: ExperimentResult<T>, curve: [EpochRecord], configuration: RunConfiguration,
        threads: Int, run: RunIdentity
    ) -> [(name: String, contents: Data)] {
        var files: [(name: String, contents: Data)] = [
            ("loss.svg", Data(lossSVG(curve).utf8)),
            ("metrics.json", Data(metrics(result, threads: threads, run: run).text().utf8)),
        ]
        guard result.report != nil || result.regression != nil else { return files }
        // The scatter colours points by class: a regression has none.
        if result.report != nil { files.append(("data.svg", Data(dataSVG(result).utf8))) }
        let width = result.data.train.featureCount + 1
        let weights = (0..<result.outputs).map { k in
            (0..<width).map { Double(result.training.weights[k * width + $0]) }
        }
        var model = ModelFile(
            weights: weights, precision: configuration.precision, loss: result.loss,
            featureNames: result.data.featureNames, labelName: result.data.labelName, classes: result.data.classes,
            standardization: result.data.standardization, seed: configuration.training.seed)
        model.indexBase = result.data.indexBase
        var recorded = configuration
        recorded.loss = result.loss
        var object = model.json(configuration: recorded.settingsObject(role: .identity))
        object["run"] = run.json
        files.append(("model.json", Data(JSONValue.object(object).text().utf8)))
        return files
    }
}
