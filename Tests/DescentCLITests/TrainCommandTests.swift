import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Descent
import DescentTestSupport

/// End to end, through the built `descent` binary.
struct TrainCommandTests {
    /// Every flag of `train` and `verify` is a setting of the run, named by its key, or one of
    /// the options about its files; and every setting is a flag. The command line finds a
    /// flag's key by its name, so a flag without a setting would be an unknown key.
    @Test(arguments: ["train", "verify"])
    func everyFlagIsASettingAndEverySettingAFlag(_ command: String) throws {
        let result = try CLI.run([command, "--experimental-dump-help"])
        #expect(result.status == 0, "\(result.stderr)")
        let tool = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let arguments = (tool["command"] as! [String: Any])["arguments"] as! [[String: Any]]
        let names = Set(arguments.flatMap { ($0["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } })
            .filter { !$0.hasPrefix("no-") }
        let own: Set<String> = command == "train" ? [] : ["threads-list", "json"]
        let files: Set<String> = ["config", "overwrite", "resume", "help", "h", "version"]
        #expect(names.subtracting(files).subtracting(own) == Set(RunConfiguration.settings.map(\.key)))
    }

    @Test func tutorialRunReachesTheTutorialsAccuracyAndWritesItsOutputs() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("run").path
        let result = try CLI.run(["train", "--config", CLI.packageRoot.appendingPathComponent("Configs/tutorial.json").path, "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "[INFO] training...")
        let epochLines = lines.filter { $0.hasPrefix("[INFO] epoch=") }
        #expect(epochLines.count == 21)  // epoch 1 and every 5th, as the tutorial prints
        #expect(epochLines.first!.hasPrefix("[INFO] epoch=1, loss="))
        let losses = epochLines.map { Double($0.split(separator: "=").last!)! }
        // Gradient descent with the tutorial's small step: the loss falls at every printed
        // epoch, and by more than an order of magnitude over the run (61.5 to 2.04 with seed 3).
        #expect(zip(losses, losses.dropFirst()).allSatisfy { $1 < $0 }, "the loss falls at every printed epoch: \(losses)")
        #expect(losses.last! < losses.first! / 10, "the loss falls: \(losses.first!) -> \(losses.last!)")
        #expect(lines.contains("[INFO] evaluating..."))
        #expect(result.stdout.contains("    accuracy"))
        #expect(result.stdout.contains("weighted avg"))

        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as! [String: Any]
        let accuracy = metrics["accuracy"] as! Double
        #expect(accuracy >= 0.98)
        let model = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json"))) as! [String: Any]
        #expect((model["weights"] as! [[Double]]).first!.count == 3)
        #expect(model["precision"] as? String == "float64")
        let csv = try String(contentsOfFile: out + "/loss.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 101 && csv[0].hasPrefix("epoch,loss,learning_rate"))
        let csvLosses = csv.dropFirst().map { Double($0.split(separator: ",")[1])! }
        #expect(csvLosses.last! < csvLosses.first!)
        for svg in ["loss.svg", "data.svg"] {
            let text = try String(contentsOfFile: out + "/" + svg, encoding: .utf8)
            #expect(text.hasPrefix("<svg") && text.hasSuffix("</svg>\n"))
            #expect(XMLParser(data: Data(text.utf8)).parse(), "\(svg) is well-formed XML")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "no temporary files left: \(leftovers)")

        // The saved model can seed another run.
        let again = try CLI.run(["train", "--init-weights", out + "/model.json", "--epochs", "1"])
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test func noArgumentsRunsTheTutorial() throws {
        let result = try CLI.run(["train", "--threads", "1"])
        let withConfig = try CLI.run(["train", "--threads", "1", "--config", CLI.packageRoot.appendingPathComponent("Configs/tutorial.json").path])
        #expect(result.status == 0)
        let strip = { (s: String) in s.split(separator: "\n").filter { !$0.contains(" epochs in ") }.joined(separator: "\n") }
        #expect(strip(result.stdout) == strip(withConfig.stdout))
    }

    @Test func flagsOverrideTheConfigurationFile() throws {
        let result = try CLI.run(["train", "--config", CLI.packageRoot.appendingPathComponent("Configs/tutorial.json").path, "--epochs", "7"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("[INFO] epoch=5,") && !result.stdout.contains("[INFO] epoch=10,"))
    }

    @Test func helpIsComplete() throws {
        let root = try CLI.run(["--help"])
        #expect(root.status == 0)
        let subcommands = root.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        for sub in ["train", "verify", "bench", "topology"] {
            #expect(subcommands.contains("  \(sub) "), "descent --help lists \(sub)")
            let help = try CLI.run([sub, "--help"])
            #expect(help.status == 0 && help.stdout.contains("OVERVIEW:") && help.stdout.contains("OPTIONS:"))
        }
        let train = try CLI.run(["train", "--help"])
        for flag in ["--config", "--samples", "--epochs", "--alpha", "--loss", "--gradient", "--threads", "--output",
                     "--target-loss", "--patience", "--init-weights", "--precision", "--train", "--test", "--label-column", "--standardize"] {
            #expect(train.stdout.contains(flag), "train --help mentions \(flag)")
        }
    }

    @Test func csvTrainingWithStandardization() throws {
        let dir = CLI.temporaryDirectory()
        var train = "height,weight,label\n"
        var test = "height,weight,label\n"
        for i in 0..<400 {
            let label = i % 2
            let h = 150.0 + Double(label) * 30 + Double((i * 37) % 11)
            let w = 50.0 + Double(label) * 25 + Double((i * 53) % 13)
            if i < 300 { train += "\(h),\(w),\(label)\n" } else { test += "\(h),\(w),\(label)\n" }
        }
        let trainPath = CLI.write(train, to: "train.csv", in: dir)
        let testPath = CLI.write(test, to: "test.csv", in: dir)
        let result = try CLI.run(["train", "--train", trainPath, "--test", testPath, "--standardize", "--loss", "log-loss",
                                  "--gradient", "mean", "--alpha", "0.5", "--epochs", "200"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("    accuracy                           1.00       100"), "\(result.stdout)")
    }
}
