import Foundation
import Testing
@testable import Descent
import DescentTestSupport

/// Regression tests for defects a hostile but fair user found (issue 11's D5, D7, D16, D17, D20).
struct DefectRegressionTests {
    /// D5: a batch size near Int.max is one full batch, not an overflow trap; with workers
    /// the default averaging interval does not overflow either.
    @Test func hugeBatchSizeTrainsAsOneBatch() throws {
        for extra in [[], ["--workers", "2"]] {
            let result = try CLI.run(["train", "--samples", "400", "--epochs", "2", "--optimizer", "sgd",
                                      "--batch-size", "9223372036854775807", "--gradient", "mean"] + extra)
            #expect(result.status == 0, "\(extra): \(result.stderr)")
            #expect(result.stdout.contains("accuracy"))
        }
    }

    /// D16, D17, D20: inputs that used to be accepted and measured or compared nothing.
    @Test func emptyListsProbeSizesAndMalformedBoxesAreRejected() throws {
        let cases: [([String], String)] = [
            (["verify", "--threads-list", ""], "--threads-list needs at least one thread count"),
            (["verify", "--threads-list", ","], "--threads-list needs at least one thread count"),
            (["bench", "--probe-bytes=-1"], "--probe-bytes must be at least 1048576"),
            (["bench", "--probe-bytes", "1"], "--probe-bytes must be at least 1048576"),
            (["train", "--center-box=1,abc,2"], "--center-box must be LOW,HIGH"),
            (["train", "--center-box=1,"], "--center-box must be LOW,HIGH"),
            (["train", "--center-box=-inf,inf"], "--center-box must be LOW,HIGH"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status == 2, "\(arguments): status \(result.status)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!result.stdout.contains("PASS"), "\(arguments) compared nothing")
        }
    }

    /// D7: the step schedule's rates come from a running product (O(1) an epoch) with the
    /// same bits as the definition, which multiplies from the start for every epoch.
    @Test func stepScheduleSequenceGivesTheDefinitionsBits() {
        var t = TrainingConfiguration()
        t.schedule = .step; t.stepSize = 3; t.gamma = 0.7; t.alpha = 0.3
        var sequence = LearningRateSequence(t)
        var matched = 0
        for epoch in 0..<2_000 where sequence.rate(epoch: epoch).bitPattern == t.learningRate(epoch: epoch).bitPattern { matched += 1 }
        #expect(matched == 2_000)
        // Asking for an earlier epoch starts over rather than continuing the product.
        #expect(sequence.rate(epoch: 4) == t.learningRate(epoch: 4))
        for schedule in [ScheduleKind.constant, .inverseTime, .cosine] {
            t.schedule = schedule
            var other = LearningRateSequence(t)
            #expect((0..<50).allSatisfy { other.rate(epoch: $0) == t.learningRate(epoch: $0) }, "\(schedule)")
        }
    }

    /// D22: with --validation-fraction and no --patience the run keeps its best validation
    /// epoch's weights, and the console says so.
    @Test func keptValidationEpochIsReportedWithoutPatience() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let result = try CLI.run(["train", "--samples", "1500", "--validation-fraction", "0.25", "--epochs", "40", "--alpha", "0.002",
                                  "--momentum", "0.99", "--schedule", "step", "--step-size", "3", "--gamma", "0.5", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as! [String: Any]
        let kept = metrics["kept-epoch"] as! Int
        #expect(kept < metrics["epochs-run"] as! Int)
        #expect(result.stdout.contains("[INFO] completed all 40 epochs; kept the weights of epoch \(kept) (the lowest validation loss)"), "\(result.stdout)")
    }
}
