import DescentTestSupport
import Foundation
import Testing

/// Issue 11: a checkpointing run killed with SIGKILL at any moment (during an epoch, half
/// way through writing a checkpoint, before the first checkpoint, again while resuming) and
/// resumed gives the uninterrupted run's loss curve, plot, metrics and weights bit for bit.
struct CheckpointKillTests {
    static let cases: [(name: String, arguments: [String])] = [
        (
            "gd, momentum, step schedule, validation early stopping",
            [
                "--samples", "6000", "--epochs", "30", "--momentum", "0.9", "--schedule", "step", "--step-size", "4",
                "--gamma", "0.7",
                "--validation-fraction", "0.2", "--patience", "25", "--alpha", "0.001",
            ]
        ),
        (
            "sgd, Nesterov, 3 workers, cosine schedule",
            [
                "--samples", "6000", "--epochs", "24", "--optimizer", "sgd", "--batch-size", "32", "--momentum", "0.9",
                "--nesterov",
                "--workers", "3", "--alpha", "0.002", "--schedule", "cosine",
            ]
        ),
        (
            "sgd float32, one-row batches, weight decay, 3 classes, full loss",
            [
                "--samples", "3000", "--epochs", "20", "--optimizer", "sgd", "--batch-size", "1", "--precision",
                "float32",
                "--full-loss", "--weight-decay", "0.001", "--centers", "3", "--alpha", "0.01",
            ]
        ),
        (
            "lbfgs, L2, memory 3 (its history in the checkpoint), 3 classes",
            [
                "--samples", "6000", "--epochs", "24", "--solver", "lbfgs", "--l2", "0.00001", "--memory", "3",
                "--centers", "3", "--cluster-std", "6", "--tol", "0",
            ]
        ),
        (
            "regression, Huber loss by L-BFGS on generated targets",
            [
                "--task", "regression", "--loss", "huber", "--epsilon", "4", "--samples", "6000", "--features", "5",
                "--epochs", "20", "--solver", "lbfgs", "--l2", "0.001", "--memory", "4", "--tol", "0",
            ]
        ),
        (
            "balanced class weights, gradient descent with --alpha auto",
            [
                "--samples", "6000", "--centers", "3", "--cluster-std", "5", "--class-weight", "balanced",
                "--alpha", "auto", "--gradient", "mean", "--epochs", "20",
            ]
        ),
    ]

    /// Everything of a finished run that must not depend on interruptions: loss.csv without
    /// its seconds column, loss.svg, the model's weights and the metrics that are not times.
    static func fingerprint(_ folder: String) throws -> [String] {
        let csv = try String(contentsOfFile: folder + "/loss.csv", encoding: .utf8)
            .split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",")
            }
        let svg = try String(contentsOfFile: folder + "/loss.svg", encoding: .utf8)
        let model =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/model.json")))
            as! [String: Any]
        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/metrics.json")))
            as! [String: Any]
        let weights = (model["weights"] as! [[Double]]).flatMap { $0 }.map { String($0.bitPattern, radix: 16) }
        return csv + [
            svg, weights.joined(separator: " "),
            "\(metrics["epochs-run"]!) \(metrics["kept-epoch"]!) \(metrics["stop-reason"]!) \(metrics["accuracy"]!)",
        ]
    }

    enum Kill {
        case afterEpoch(Int)
        case inCheckpoint(Int)
        case after(seconds: Double)
    }

    /// Starts (or resumes) the run, killing it as `kill` says; returns the exit status.
    static func attempt(_ arguments: [String], _ kill: Kill?) throws -> CLIResult {
        switch kill {
        case .afterEpoch(let n)?:
            return try CLI.runProcess(CLI.binary, arguments, environment: ["DESCENT_TEST_KILL": "after-epoch:\(n)"])
        case .inCheckpoint(let n)?:
            return try CLI.runProcess(CLI.binary, arguments, environment: ["DESCENT_TEST_KILL": "checkpoint:\(n)"])
        case .after(let seconds)?:
            let process = try CLI.start(arguments)
            Thread.sleep(forTimeInterval: seconds)
            process.send(SIGKILL)
            return try process.wait()
        case nil: return try CLI.run(arguments)
        }
    }

    @Test(arguments: 0..<4)
    func killedRunsResumeToTheSameBits(_ index: Int) throws {
        let (name, arguments) = Self.cases[index]
        let dir = CLI.temporaryDirectory()
        let reference = dir.appendingPathComponent("reference").path
        let straight = try CLI.run(["train"] + arguments + ["--threads", "2", "--output", reference])
        #expect(straight.status == 0, "\(name): \(straight.stderr)")
        let expected = try Self.fingerprint(reference)

        // Each plan: how the first run dies, then how each resumption dies (nil: it finishes).
        var random = SystemRandomNumberGenerator()
        let plans: [[Kill?]] = [
            [.afterEpoch(7), nil],
            [.inCheckpoint(2), nil],
            [.afterEpoch(4), .afterEpoch(11), .inCheckpoint(2), nil],
            [
                .after(seconds: Double.random(in: 0.05...0.6, using: &random)),
                .after(seconds: Double.random(in: 0.05...0.6, using: &random)), nil,
            ],
            [.after(seconds: 0.01), nil],
        ]
        for (p, plan) in plans.enumerated() {
            let out = dir.appendingPathComponent("run\(p)").path
            let start = ["train"] + arguments + ["--threads", "3", "--checkpoint-every", "3", "--output", out]
            var result = try Self.attempt(start, plan[0])
            var log = ["start: \(result.status)"]
            for kill in plan.dropFirst() where result.status != 0 {
                #expect(result.status == 137, "\(name) plan \(p): \(log) \(result.stderr)")
                let resumable = FileManager.default.fileExists(atPath: out + ".partial/checkpoint.json")
                // Killed before the first checkpoint: nothing to resume, so the run starts over.
                let next = resumable ? ["train", "--resume", out, "--threads", "1"] : start
                result = try Self.attempt(next, kill)
                log.append("\(resumable ? "resume" : "restart"): \(result.status)")
            }
            #expect(result.status == 0, "\(name) plan \(p): \(log) \(result.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: out + ".partial"),
                "\(name) plan \(p): the staging folder is gone")
            let got = try Self.fingerprint(out)
            let same = got == expected
            #expect(
                same,
                "\(name) plan \(p) (\(log)): first difference \(zip(got, expected).first { $0 != $1 }.map { "\($0) vs \($1)" } ?? "count")"
            )
        }
    }

    /// Resuming with other flags or other data, or where there is nothing to resume, is a
    /// clear error; a new run will not silently discard a resumable one.
    @Test func resumeRefusesOtherConfigurationsAndData() throws {
        let dir = CLI.temporaryDirectory()
        var csv = "x0,x1,label\n"
        for i in 0..<400 { csv += "\(Double(i % 37) / 7),\(Double(i % 11) / 3),\(i % 2 == 0 ? "a" : "b")\n" }
        let data = CLI.write(csv, to: "train.csv", in: dir)
        let out = dir.appendingPathComponent("d").path
        let killed = try CLI.runProcess(
            CLI.binary,
            ["train", "--train", data, "--solver", "gd", "--epochs", "20", "--checkpoint-every", "2", "--output", out],
            environment: ["DESCENT_TEST_KILL": "after-epoch:5"])
        #expect(killed.status == 137)

        let otherFlags = try CLI.run(["train", "--resume", out, "--alpha", "0.5", "--momentum", "0.9"])
        #expect(otherFlags.status == 2, "\(otherFlags.stderr)")
        #expect(
            otherFlags.stderr.contains("alpha 0.01 in the checkpoint, 0.5 now")
                && otherFlags.stderr.contains("momentum"), "\(otherFlags.stderr)")

        let fresh = try CLI.run(["train", "--train", data, "--solver", "gd", "--epochs", "20", "--output", out])
        #expect(
            fresh.status == 4 && fresh.stderr.contains("left a checkpoint at epoch 4")
                && fresh.stderr.contains("--resume"), "\(fresh.stderr)")

        _ = CLI.write(csv.replacingOccurrences(of: "\n3.0,", with: "\n3.5,"), to: "train.csv", in: dir)
        let otherData = try CLI.run(["train", "--resume", out])
        #expect(
            otherData.status == 2 && otherData.stderr.contains("the data differ from the interrupted run's"),
            "\(otherData.stderr)")
        _ = CLI.write(csv, to: "train.csv", in: dir)
        // The settings of how a run executes may change (`Setting.Role.execution`).
        let resumed = try CLI.run([
            "train", "--resume", out, "--threads", "1", "--numa", "off", "--checkpoint-every", "3",
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")

        let nothing = try CLI.run(["train", "--resume", out])
        #expect(nothing.status == 4 && nothing.stderr.contains("no interrupted run to resume"), "\(nothing.stderr)")
        let noOutput = try CLI.run(["train", "--checkpoint-every", "2"])
        #expect(
            noOutput.status == 2 && noOutput.stderr.contains("--checkpoint-every needs --output"), "\(noOutput.stderr)")
        let verify = try CLI.run(["verify", "--checkpoint-every", "2", "--output", out + "2"])
        #expect(
            verify.status == 2 && verify.stderr.contains("--resume and --checkpoint-every are for descent train"),
            "\(verify.stderr)")
    }

    /// SIGINT on a checkpointing run keeps the checkpoint and says how to resume.
    @Test func interruptedCheckpointingRunSaysHowToResume() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let process = try CLI.start([
            "train", "--samples", "20000", "--epochs", "100000", "--checkpoint-every", "1", "--output", out,
        ])
        var waited = 0.0
        while !FileManager.default.fileExists(atPath: out + ".partial/checkpoint.json") && waited < 60 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 0.05
        }
        process.send(SIGINT)
        let result = try process.wait()
        #expect(result.status == 130)
        #expect(result.stderr.contains("continue with: descent train --resume \(out)"), "\(result.stderr)")
        let kept = ((try? FileManager.default.contentsOfDirectory(atPath: out + ".partial")) ?? []).sorted()
        #expect(kept == ["checkpoint.json", "loss.csv"], "\(kept)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A damaged checkpoint is a clear error (exit 2), never a trap; the resume path may be
    /// written with a trailing slash, as the staging folder, or with a matching --output.
    @Test func damagedCheckpointsAreErrorsAndPathsAreNormalized() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let start = [
            "train", "--samples", "2000", "--epochs", "12", "--optimizer", "sgd", "--workers", "2",
            "--checkpoint-every", "2", "--output", out,
        ]
        #expect(
            try CLI.runProcess(CLI.binary, start, environment: ["DESCENT_TEST_KILL": "after-epoch:5"]).status == 137)
        let path = out + ".partial/checkpoint.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let edits: [(String, String, String)] = [
            ("\"optimizer-steps\" : [", "\"optimizer-steps\" : [7, ", "step counts for 2 workers"),
            ("\"loss-csv-bytes\" : ", "\"loss-csv-bytes\" : -", "shorter than the"),
            ("\"epoch\" : 4", "\"epoch\" : 40", "outside 1..<12"),
            ("\"weights\" : \"", "\"weights\" : \"AAAA", "base64 of float64 values"),
        ]
        for (find, replace, message) in edits {
            let text = String(decoding: original, as: UTF8.self)
            #expect(text.contains(find), "\(find) in \(text.prefix(400))")
            try Data(text.replacingOccurrences(of: find, with: replace).utf8).write(to: URL(fileURLWithPath: path))
            let result = try CLI.run(["train", "--resume", out])
            #expect(
                result.status == 2 && result.stderr.contains("damaged checkpoint") && result.stderr.contains(message),
                "\(find): \(result.status) \(result.stderr)")
            #expect(FileManager.default.fileExists(atPath: path), "a refused resume keeps the checkpoint")
        }
        try original.write(to: URL(fileURLWithPath: path))
        let resumed = try CLI.run(["train", "--resume", out + ".partial/", "--output", "./" + "d"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let never = try CLI.run(["train", "--epochs", "5", "--checkpoint-every", "5", "--output", out + "2"])
        #expect(never.status == 2 && never.stderr.contains("would write no checkpoint"), "\(never.stderr)")
    }
}
