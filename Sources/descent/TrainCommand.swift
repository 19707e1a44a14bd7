import ArgumentParser
import Descent
import Dispatch
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier; with no arguments, the gradient-descent tutorial's experiment.",
        discussion: """
        Prints the tutorial's lines ([INFO] training..., the loss at epoch 1 and every 5th \
        epoch, [INFO] evaluating...), then scikit-learn's classification report and the \
        confusion matrix of the test set. Progress for long runs goes to standard error.

        Exit status: 0 done; 2 bad input or configuration; 3 training diverged (the outputs \
        written so far are kept); 4 outputs could not be written.
        """
    )

    @OptionGroup var options: RunOptions

    func run() throws {
        do {
            let configuration = try options.makeConfiguration()
            switch configuration.precision {
            case .float64: try train(configuration, as: Double.self)
            case .float32: try train(configuration, as: Float.self)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw Exit.fail(error)
        }
    }

    func train<T: KernelScalar>(_ configuration: RunConfiguration, as type: T.Type) throws {
        let threads = Experiment.threadCount(configuration)
        let prepareStart = DispatchTime.now().uptimeNanoseconds
        let data = try Experiment.prepare(configuration, as: type)
        let prepareSeconds = Double(DispatchTime.now().uptimeNanoseconds - prepareStart) / 1e9
        note("[INFO] data: \(Format.count(data.train.rowCount)) training, \(Format.count(data.test.rowCount)) test"
             + (data.validation.map { ", \(Format.count($0.rowCount)) validation" } ?? "")
             + " rows; \(data.train.featureCount) features, \(data.classCount) classes; \(T.precisionName); \(threads) thread\(threads == 1 ? "" : "s")"
             + " (\(configuration.trainFile == nil ? "generated" : "loaded") in \(String(format: "%.3f", prepareSeconds)) s)")
        let setup = try Experiment.setup(configuration, data: data)
        print("[INFO] training...")
        let progress = Progress(totalEpochs: configuration.training.epochs, rowsPerEpoch: data.train.rowCount)
        let result = try Experiment.run(configuration, data: data, setup: setup, prepareSeconds: prepareSeconds, onEpoch: { record in
            if record.epoch == 1 || record.epoch % 5 == 0 {
                progress.finish()
                print("[INFO] epoch=\(record.epoch), loss=\(String(format: "%.7f", record.loss))"
                      + (record.validationLoss.map { ", validation_loss=\(String(format: "%.7f", $0))" } ?? ""))
                fflush(nil)
            }
            progress.update(epoch: record.epoch, loss: record.loss)
        })
        progress.finish()
        let history = result.training.history
        if case .diverged(let epoch) = result.training.stopReason {
            var written: [String] = []
            if let dir = configuration.output {
                written = try RunReport.write(result, configuration: configuration, threads: threads, to: dir)
            }
            let last = history.last.map { String(format: "%g", $0.loss) } ?? "?"
            throw DescentError.diverged("training diverged at epoch \(epoch): the loss (\(last)) or the weights are no longer finite; try a smaller --alpha (now \(configuration.training.alpha))"
                                        + (configuration.training.gradient == .sum ? " or --gradient mean" : "")
                                        + (written.isEmpty ? "" : "; kept \(written.joined(separator: ", "))"))
        }
        if result.training.stopReason != .epochsCompleted {
            print("[INFO] stopped: \(result.training.stopReason.summary)"
                  + (result.training.keptEpoch != history.count ? "; kept the weights of epoch \(result.training.keptEpoch)" : ""))
        }
        print("[INFO] evaluating...")
        guard let report = result.report else { return }
        print(report.rendered(), terminator: "")
        print("[INFO] confusion matrix (rows: true class, columns: predicted):")
        print(report.renderedConfusionMatrix(), terminator: "")
        let rate = result.trainSeconds > 0 ? Double(data.train.rowCount * history.count) / result.trainSeconds : 0
        print("[INFO] \(history.count) epochs in \(String(format: "%.3f", result.trainSeconds)) s (\(Format.rate(rate)) rows/s, \(threads) thread\(threads == 1 ? "" : "s"))")
        if let dir = configuration.output {
            let written = try RunReport.write(result, configuration: configuration, threads: threads, to: dir)
            print("[INFO] wrote \(written.joined(separator: ", "))")
        }
    }
}
