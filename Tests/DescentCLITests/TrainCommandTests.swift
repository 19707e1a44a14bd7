import Descent
import DescentTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `descent train` end to end, through the built binary: its flags and configuration files,
/// its outputs and console, and the bad inputs it refuses.
struct TrainCommandTests {
    static let dir = CLI.temporaryDirectory()

    /// Every flag of `train` and `verify` is a setting of the run, named by its key, or one of
    /// the options about its files; and every setting is a flag. The command line finds a
    /// flag's key by its name, so a flag without a setting would be an unknown key.
    @Test(arguments: ["train", "verify"])
    func everyFlagIsASettingAndEverySettingAFlag(_ command: String) throws {
        let result = try CLI.run([command, "--experimental-dump-help"])
        #expect(result.status == 0, "\(result.stderr)")
        let tool = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let arguments = (tool["command"] as! [String: Any])["arguments"] as! [[String: Any]]
        let names = Set(
            arguments.flatMap { ($0["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
        )
        .filter { !$0.hasPrefix("no-") }
        let own: Set<String> = command == "train" ? [] : ["threads-list", "json"]
        let files: Set<String> = ["config", "overwrite", "resume", "help", "h", "version"]
        // Second names of a setting's flag (scikit-learn's name for the same setting).
        let aliases: Set<String> = ["max-iter", "n-iter-no-change"]
        #expect(names.isSuperset(of: aliases))
        #expect(
            names.subtracting(files).subtracting(own).subtracting(aliases) == Set(RunConfiguration.settings.map(\.key)))
    }

    @Test func tutorialRunReachesTheTutorialsAccuracyAndWritesItsOutputs() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("run").path
        let result = try CLI.run([
            "train", "--config", CLI.packageRoot.appendingPathComponent("Configs/tutorial.json").path, "--output", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "[INFO] training...")
        let epochLines = lines.filter { $0.hasPrefix("[INFO] epoch=") }
        #expect(epochLines.count == 21)  // epoch 1 and every 5th, as the tutorial prints
        #expect(epochLines.first!.hasPrefix("[INFO] epoch=1, loss="))
        let losses = epochLines.map { Double($0.split(separator: "=").last!)! }
        // Gradient descent with the tutorial's small step: the loss falls at every printed
        // epoch, and by more than an order of magnitude over the run (61.5 to 2.04 with seed 3).
        #expect(
            zip(losses, losses.dropFirst()).allSatisfy { $1 < $0 }, "the loss falls at every printed epoch: \(losses)")
        #expect(losses.last! < losses.first! / 10, "the loss falls: \(losses.first!) -> \(losses.last!)")
        #expect(lines.contains("[INFO] evaluating..."))
        #expect(result.stdout.contains("    accuracy"))
        #expect(result.stdout.contains("weighted avg"))

        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json")))
            as! [String: Any]
        let accuracy = metrics["accuracy"] as! Double
        #expect(accuracy >= 0.98)
        let model =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json")))
            as! [String: Any]
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
        let withConfig = try CLI.run([
            "train", "--threads", "1", "--config", CLI.packageRoot.appendingPathComponent("Configs/tutorial.json").path,
        ])
        #expect(result.status == 0)
        let strip = { (s: String) in
            s.split(separator: "\n").filter { !$0.contains(" epochs in ") }.joined(separator: "\n")
        }
        #expect(strip(result.stdout) == strip(withConfig.stdout))
    }

    @Test func flagsOverrideTheConfigurationFile() throws {
        let result = try CLI.run([
            "train", "--config", CLI.packageRoot.appendingPathComponent("Configs/tutorial.json").path, "--epochs", "7",
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("[INFO] epoch=5,") && !result.stdout.contains("[INFO] epoch=10,"))
    }

    /// `--shuffle blocks` is SGD's default; `full` is what `"shuffle": true` in a file meant
    /// before it (so older files and checkpoints keep their bits); `none`, `--no-shuffle` and
    /// `false` are one; anything else is refused with the choices.
    @Test func shuffleModes() throws {
        let folder = CLI.temporaryDirectory().path
        func losses(_ flags: [String], config: String? = nil) throws -> String {
            var arguments = [
                "train", "--optimizer", "sgd", "--samples", "20000", "--epochs", "3", "--batch-size", "8",
                "--threads", "2",
            ]
            if let config {
                let path = folder + "/c\(abs(config.hashValue)).json"
                try config.write(toFile: path, atomically: true, encoding: .utf8)
                arguments += ["--config", path]
            }
            let result = try CLI.run(arguments + flags)
            #expect(result.status == 0, "\(flags) \(config ?? ""): \(result.stderr)")
            return result.stdout.split(separator: "\n").filter { $0.contains("[INFO] epoch=") }.joined(separator: "\n")
        }
        let blocks = try losses(["--shuffle", "blocks"])
        let full = try losses(["--shuffle", "full"])
        let none = try losses(["--shuffle", "none"])
        #expect(!blocks.isEmpty && blocks != full && blocks != none && full != none)
        #expect(try losses([]) == blocks)
        #expect(try losses(["--no-shuffle"]) == none)
        #expect(try losses([], config: "{\"shuffle\": true}") == full)
        #expect(try losses([], config: "{\"shuffle\": false}") == none)
        #expect(try losses([], config: "{\"shuffle\": \"blocks\"}") == blocks)
        // A flag with an unknown value is a usage error (64, as every option of ArgumentParser).
        let bad = try CLI.run(["train", "--optimizer", "sgd", "--shuffle", "rows"])
        #expect(bad.status == 64 && bad.stderr.contains("blocks") && bad.stderr.contains("full"), "\(bad.stderr)")
        let badFile = folder + "/bad.json"
        try "{\"shuffle\": \"rows\"}".write(toFile: badFile, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["train", "--config", badFile])
        #expect(
            refused.status == 2 && refused.stderr.contains("'shuffle' must be one of blocks, full, none"),
            "\(refused.stderr)")
    }

    /// Workers with only a few batches an epoch each get a warning that names the cause and a
    /// worker count that avoids it; enough batches (or one worker) get none.
    @Test func workersOnSmallDataAreWarned() throws {
        func run(_ workers: Int, samples: Int) throws -> String {
            let result = try CLI.run([
                "train", "--optimizer", "sgd", "--samples", "\(samples)", "--epochs", "2", "--batch-size", "32",
                "--workers", "\(workers)", "--threads", "2",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        // 1,500 training rows: 16 workers run 3 batches an epoch each (the last short); 5
        // workers run 8 whole ones, 6 workers 7 and a short one, 7 workers 6 and a short one.
        let warned = try run(16, samples: 3000)
        #expect(
            warned.contains("[WARN] each of the 16 workers runs only 3 batches of 32 rows an epoch")
                && warned.contains("fewer --workers (at most 5 here)"), "\(warned)")
        #expect(!(try run(1, samples: 3000)).contains("[WARN]"))
        #expect(!(try run(5, samples: 3000)).contains("[WARN]"))
        #expect(!(try run(6, samples: 3000)).contains("[WARN]"))
        #expect((try run(7, samples: 3000)).contains("runs only 7 batches"))
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
        for flag in [
            "--config", "--samples", "--epochs", "--alpha", "--loss", "--gradient", "--threads", "--output",
            "--target-loss", "--patience", "--init-weights", "--precision", "--train", "--test", "--label-column",
            "--standardize",
        ] {
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
        let result = try CLI.run([
            "train", "--train", trainPath, "--test", testPath, "--standardize", "--loss", "log-loss",
            "--gradient", "mean", "--alpha", "0.5", "--epochs", "200",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("    accuracy                           1.00       100"), "\(result.stdout)")
    }

    /// Bad inputs to `descent train` and the message each must give.
    static let badInputs: [(arguments: [String], message: String)] = {
        let d = dir
        let wide = CLI.write("a,b,label\n1,2,0\n1,2,0,9\n", to: "wide.csv", in: d)
        let word = CLI.write("a,b,label\n1,2,0\n1,two,1\n", to: "word.csv", in: d)
        let labels = CLI.write("a,b,label\n1,2,0\n3,4,2\n5,6,1\n", to: "labels.csv", in: d)
        let nan = CLI.write("a,b,label\n1,2,0\nNaN,4,1\n", to: "nan.csv", in: d)
        let inf = CLI.write("a,b,label\n1,2,0\n3,-inf,1\n", to: "inf.csv", in: d)
        let json = CLI.write("{\n  \"epochs\": 10,\n  \"alpha\" 0.1\n}\n", to: "bad.json", in: d)
        let unknown = CLI.write("{\"epochs\": 10, \"learning-rate\": 0.1}", to: "unknown.json", in: d)
        let weights = CLI.write("0.1,0.2\n", to: "weights.csv", in: d)
        // 70,000 distinct labels: more classes than a packed label column holds (2 bytes).
        let manyClasses = CLI.write(
            "a,label\n" + (0..<70_000).map { "\($0 % 3),\($0)\n" }.joined(), to: "classes.csv", in: d)
        // What people pass by mistake: compressed CSVs (the streams' real first bytes, from
        // Python's gzip, lzma and bz2 modules), UTF-16 text, a binary file, a zipped CSV.
        let csv = Array("a,b,label\n1,2,0\n3,4,1\n".utf8)
        let gzip = CLI.write(
            bytes: [
                0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4B, 0xD4, 0x49, 0xD2, 0xC9, 0x49, 0x4C,
                0x4A,
                0xCD, 0xE1, 0x32, 0xD4, 0x31, 0xD2, 0x31, 0xE0, 0x32, 0xD6, 0x31, 0xD1, 0x31, 0xE4, 0x02, 0x00, 0x48,
                0x6B,
                0xF7, 0xE6, 0x16, 0x00, 0x00, 0x00,
            ], to: "data.csv.gz", in: d)
        let xz = CLI.write(
            bytes: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00, 0x04, 0xE6, 0xD6, 0xB4, 0x46, 0x02, 0x00, 0x21, 0x01],
            to: "data.csv.xz", in: d)
        let bzip2 = CLI.write(
            bytes: [0x42, 0x5A, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xF7, 0x6F, 0x4E, 0x37, 0x00, 0x00],
            to: "data.csv.bz2", in: d)
        let utf16 = CLI.write(bytes: [0xFF, 0xFE] + csv.flatMap { [$0, 0] }, to: "utf16.csv", in: d)
        let binary = CLI.write(bytes: Array("a,b,label\n1,2,0\n".utf8) + [0, 7, 0xFF] + csv, to: "binary.csv", in: d)
        let zipped = CLI.write(bytes: storedZip(name: "data.csv", contents: csv), to: "data.zip", in: d)
        return [
            (
                ["train", "--train", gzip],
                "data.csv.gz: compressed with gzip; descent reads uncompressed CSV, .npy and .npz: decompress it first (gunzip -k "
            ),
            (["train", "--train", xz], "data.csv.xz: compressed with xz;"),
            (["train", "--train", bzip2], "data.csv.bz2: compressed with bzip2;"),
            (["train", "--train", utf16], "utf16.csv: UTF-16 text"),
            (["train", "--train", binary], "binary.csv: binary data (a NUL byte at offset 16)"),
            (
                ["train", "--train", zipped],
                "data.zip: a zip archive holding 'data.csv', not the arrays X and y of a .npz; descent reads CSV uncompressed: unzip it first"
            ),
            (["train", "--epochs", "0"], "--epochs must be at least 1"),
            (["train", "--alpha", "0"], "--alpha must be a finite number > 0"),
            (["train", "--alpha=-1"], "--alpha must be a finite number > 0"),
            (["train", "--alpha", "nan"], "--alpha must be a finite number > 0"),
            (["train", "--alpha", "inf"], "--alpha must be a finite number > 0"),
            (["train", "--threads", "0"], "--threads must be at least 1"),
            (["train", "--samples", "1"], "--samples must be at least 2"),
            (["train", "--test-fraction", "0"], "--test-fraction must be strictly between 0 and 1"),
            (["train", "--test-fraction", "1.5"], "--test-fraction must be strictly between 0 and 1"),
            (["train", "--features", "0"], "--features must be at least 1"),
            (["train", "--centers", "0"], "--centers must be at least 1"),
            (["train", "--train", d.path + "/missing.csv"], "missing.csv: no such file"),
            (["train", "--train", d.path], "cannot be read"),
            (["train", "--config", d.path + "/missing.json"], "missing.json: no such configuration file"),
            (["train", "--config", json], "bad.json: malformed JSON at line 3, column 11"),
            (["train", "--config", unknown], "unknown key 'learning-rate'"),
            (["train", "--train", wide], "wide.csv:3: 4 columns, but the header has 3"),
            (["train", "--train", word], "word.csv:3:2: column 'b' holds 'two', which is not a number"),
            (
                ["train", "--train", labels, "--loss", "squared-error"],
                "--loss squared-error is for two classes, but the data has 3"
            ),
            (
                ["train", "--train", manyClasses, "--threads", "2"],
                "classes.csv: label column 'label' holds 70000 distinct labels; descent trains up to 65536 classes"
            ),
            (
                ["train", "--train", nan],
                "nan.csv:3:1: column 'a' holds 'NaN'; NaN and infinite values are not allowed"
            ),
            (["train", "--train", inf], "inf.csv:3:2: column 'b' holds '-inf'"),
            (["train", "--init-weights", weights], "this model needs 1 line of 3 numbers"),
            (["train", "--optimizer", "sgd", "--batch-size", "0"], "--batch-size must be at least 1"),
            (
                ["train", "--momentum", "0.5", "--nesterov", "--dampening", "0.1"],
                "--nesterov needs --momentum > 0 and --dampening 0"
            ),
            (["train", "--optimizer", "sgd", "--workers", "0"], "--workers must be at least 1"),
            (
                ["train", "--optimizer", "sgd", "--samples", "10", "--workers", "6"],
                "--workers 6 is more than the 5 training rows"
            ),
            (
                ["train", "--optimizer", "sgd", "--workers", "2", "--sync-every", "0"],
                "--sync-every must be at least 1 batch"
            ),
            (["train", "--workers", "4"], "--workers 4 needs --optimizer sgd"),
            (
                ["train", "--solver", "lbfgs", "--optimizer", "sgd"],
                "--solver lbfgs is a full-batch solver and cannot run with --optimizer sgd"
            ),
            (
                ["train", "--solver", "lbfgs", "--loss", "hinge"],
                "--solver lbfgs needs a smooth loss and hinge is not; use --loss cross-entropy"
            ),
            (["train", "--solver", "lbfgs", "--memory", "0"], "--memory must be at least 1"),
            (["train", "--memory", "5"], "--memory sets L-BFGS's history; it needs --solver lbfgs"),
            (["train", "--solver", "lbfgs", "--tol=-1e-4"], "--tol must be a finite number >= 0 (got -0.0001)"),
            (["train", "--l2=-0.5"], "--l2 must be a finite number >= 0 (got -0.5)"),
            (["train", "--l2", "nan"], "--l2 must be a finite number >= 0"),
            (["train", "--l1", "0.1"], "--l1 needs --solver lbfgs (which then runs as OWL-QN)"),
            (["train", "--solver", "lbfgs", "--l1=-1"], "--l1 must be a finite number >= 0 (got -1.0)"),
            (["train", "--solver", "lbfgs", "--momentum", "0.9"], "L-BFGS chooses its own steps"),
            (["train", "--solver", "lbfgs", "--weight-decay", "0.1"], "with --solver lbfgs use --l2"),
            (["train", "--solver", "lbfgs", "--schedule", "cosine"], "L-BFGS has no learning rate"),
            (["train", "--optimizer", "sgd", "--alpha", "auto"], "--alpha auto is for full-batch gradient descent"),
            (["train", "--solver", "lbfgs", "--alpha", "auto"], "--alpha auto: L-BFGS has no learning rate"),
            (["train", "--alpha", "auto", "--momentum", "0.9"], "cannot combine with --momentum"),
            (["train", "--sync-every", "4"], "--sync-every needs --optimizer sgd"),
            (["train", "--task", "regression", "--loss", "log-loss"], "--loss log-loss is a classification loss"),
            (["train", "--task", "regression", "--optimizer", "sgd"], "SGD does not fit targets yet"),
            (["train", "--task", "regression", "--class-weight", "balanced"], "a regression has none"),
            (["train", "--loss", "huber", "--epsilon", "0"], "--epsilon must be a finite number > 0 (got 0.0)"),
            (["train", "--epsilon", "2"], "--epsilon is Huber's threshold; it needs --loss huber"),
            (["train", "--task", "classification", "--loss", "huber"], "drop --task classification"),
            (["train", "--task", "regression", "--noise=-1"], "--noise must be a finite number >= 0 (got -1.0)"),
            (
                ["train", "--optimizer", "sgd", "--class-weight", "balanced"],
                "--class-weight works with full-batch training"
            ),
            (
                ["train", "--weight-column", "w"],
                "--weight-column names a column of --train; generated blobs have none"
            ),
            (
                [
                    "train", "--optimizer", "sgd", "--samples", "100", "--workers", "10", "--batch-size", "8",
                    "--drop-last",
                ],
                "--workers 10 with --drop-last gives each worker 5 rows, fewer than one --batch-size 8 batch"
            ),
        ]
    }()

    /// A zip archive with one stored (uncompressed) entry, as `zip -0` writes it.
    static func storedZip(name: String, contents: [UInt8]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in contents {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc = ~crc
        let nameBytes = Array(name.utf8)
        let size = UInt32(contents.count)
        let local =
            [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size)
            + le32(size)
            + le16(nameBytes.count) + le16(0) + nameBytes + contents
        let central =
            [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc)
            + le32(size)
            + le32(size) + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + nameBytes
        let end =
            [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(1) + le16(1) + le32(UInt32(central.count))
            + le32(UInt32(local.count)) + le16(0)
        return local + central + end
    }

    /// Every bad input gets a clear message naming what is wrong, a non-zero exit status, and
    /// never a crash or a stack trace.
    @Test(arguments: 0..<badInputs.count)
    func badInputFailsCleanly(_ index: Int) throws {
        let (arguments, message) = Self.badInputs[index]
        try expectRefusedBeforeTheRun(arguments, message)
    }

    /// A weight column that cannot weigh rows is refused with exit 2, naming the flag, the
    /// file or the rule: a negative weight, a non-finite one, all zeros, a column that is
    /// not there, the label column itself, an .npz archive (X and y only), and SGD.
    @Test func badWeightColumnsAreRefused() throws {
        let dir = CLI.temporaryDirectory()
        func csv(_ weights: [String]) -> String {
            CLI.write(
                "a,b,w,label\n"
                    + weights.enumerated().map { "\($0.offset % 5),\($0.offset % 3),\($0.element),\($0.offset % 2)" }
                    .joined(separator: "\n") + "\n", to: "\(UUID().uuidString).csv", in: dir)
        }
        let fine = [String](repeating: "1.5", count: 40)
        let cases: [([String], String)] = [
            (
                [
                    "--train", csv(fine.enumerated().map { $0.offset == 17 ? "-2" : $0.element }), "--weight-column",
                    "w", "--test-fraction", "0.01", "--seed", "1",
                ],
                "row of the training set has a negative or non-finite weight (for example -2.0)"
            ),
            (
                [
                    "--train", csv(fine.enumerated().map { $0.offset == 3 ? "nan" : $0.element }), "--weight-column",
                    "w",
                ],
                "column 'w' holds 'nan'; NaN and infinite values are not allowed"
            ),
            (
                ["--train", csv([String](repeating: "0", count: 40)), "--weight-column", "w"],
                "every training row weighs 0"
            ),
            (["--train", csv(fine), "--weight-column", "weight"], "no column named 'weight' for --weight-column"),
            (
                ["--train", csv(fine), "--weight-column", "label", "--label-column", "label"],
                "--weight-column and --label-column are both 'label'"
            ),
            (["--train", csv(fine), "--weight-column", "3"], "--weight-column '3' is the label column"),
            (["--train", csv(fine), "--weight-column", "w", "--optimizer", "sgd"], "SGD does not weigh rows yet"),
        ]
        for (flags, message) in cases {
            let result = try CLI.run(["train"] + flags)
            #expect(result.status == 2, "\(flags): exit \(result.status)\n\(result.stderr)")
            #expect(result.stderr.contains(message), "\(flags): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
        }
        // An .npz holds X and y only.
        let npz = dir.appendingPathComponent("rows.npz").path
        try Data(Self.storedZip(name: "X.npy", contents: [0x93])).write(to: URL(fileURLWithPath: npz))
        let refused = try CLI.run(["train", "--train", npz, "--weight-column", "w"])
        #expect(
            refused.status == 2 && refused.stderr.contains("an .npz archive holds X and y only"), "\(refused.stderr)")
        // The same file with good weights trains, and its model predicts rows with or without
        // the weight column and the label (the weight column is skipped, never a feature).
        let model = dir.path + "/weighted"
        let weighted = try CLI.run([
            "train", "--train", csv(fine), "--weight-column", "w", "--solver", "lbfgs", "--output", model,
        ])
        #expect(weighted.status == 0, "\(weighted.stderr)")
        let rows = (0..<10).map { "\($0 % 5),\($0 % 3)" }
        // (The label, when the header does not name it "label", is the one column past the
        // features that is not the weight, wherever the weight column is.)
        for (header, suffix) in [
            ("a,b,w", ",2.5"), ("a,b,w,label", ",2.5,1"), ("a,b", ""), ("a,b,label", ",0"), ("a,b,truth,w", ",1,2.5"),
        ] {
            let input = CLI.write(
                header + "\n" + rows.map { $0 + suffix }.joined(separator: "\n") + "\n", to: "\(UUID().uuidString).csv",
                in: dir)
            let predicted = try CLI.run(["predict", "--model", model + "/model.json", "--input", input])
            #expect(predicted.status == 0, "\(header): \(predicted.stderr)")
            #expect(predicted.stdout.split(separator: "\n").count == 11, "\(header): \(predicted.stdout)")
            let labelled = header.contains("label") || header.contains("truth")
            #expect(predicted.stderr.contains("accuracy") == labelled, "\(header): \(predicted.stderr)")
        }
    }

    /// A regression reads its targets as numbers: a target that is not one is refused with
    /// its file, line and column; a regression model refuses --proba; and generated
    /// regression data trains to a good fit with no settings but --task.
    @Test func regressionInputs() throws {
        let dir = CLI.temporaryDirectory()
        let rows = (0..<200).map { "\($0 % 7),\($0 % 3),\(Double($0 % 7) * 2 - Double($0 % 3))" }
        let good = CLI.write("a,b,y\n" + rows.joined(separator: "\n") + "\n", to: "good.csv", in: dir)
        let bad = CLI.write(
            "a,b,y\n" + rows.prefix(50).joined(separator: "\n") + "\n1,2,tall\n", to: "bad.csv", in: dir)
        let refused = try CLI.run(["train", "--train", bad, "--task", "regression"])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(
            refused.stderr.contains("bad.csv:52:3: column 'y' holds 'tall', which is not a number"), "\(refused.stderr)"
        )
        let out = dir.path + "/run"
        let trained = try CLI.run(["train", "--train", good, "--task", "regression", "--output", out])
        #expect(trained.status == 0, "\(trained.stderr)")
        // y = 2a - b exactly: a near-perfect fit (the default --l2 1/n shrinks it a little).
        let fit = trained.stdout.components(separatedBy: "R^2: ").last.flatMap { Double($0.prefix(6)) }
        #expect((fit ?? 0) > 0.999, "\(trained.stdout)")
        let model = try String(contentsOfFile: out + "/model.json", encoding: .utf8)
        #expect(model.contains("\"task\" : \"regression\"") && model.contains("\"classes\" : ["), "\(model)")
        // A float32 run cannot hold a target of 1e39: refused, not trained as inf.
        let huge = CLI.write("a,y\n1,2\n2,1e39\n3,4\n4,5\n", to: "huge.csv", in: dir)
        let overflow = try CLI.run(["train", "--train", huge, "--task", "regression", "--precision", "float32"])
        #expect(
            overflow.status == 2 && overflow.stderr.contains("a target too large for float32"), "\(overflow.stderr)")
        let proba = try CLI.run(["predict", "--model", out + "/model.json", "--input", good, "--proba"])
        #expect(proba.status == 2 && proba.stderr.contains("predicts values, not class probabilities"))
        let generated = try CLI.run(["train", "--task", "regression", "--samples", "3000", "--features", "4"])
        #expect(generated.status == 0 && generated.stdout.contains("converged"), "\(generated.stdout)")
        let r2 = generated.stdout.components(separatedBy: "R^2: ").last.flatMap { Double($0.prefix(6)) }
        #expect((r2 ?? 0) > 0.99, "\(generated.stdout)")
    }

    /// A learning rate too large makes the loss cycle without diverging: the run says so, in
    /// its output and metrics.json, and names the remedies; a good rate gets no warning.
    @Test func cyclingLossIsReported() throws {
        let out = CLI.temporaryDirectory().path + "/run"
        let flags = [
            "--samples", "4000", "--features", "6", "--cluster-std", "6", "--loss", "log-loss", "--gradient", "mean",
        ]
        let cycling = try CLI.run(["train"] + flags + ["--alpha", "60", "--epochs", "40", "--output", out])
        #expect(cycling.status == 0, "\(cycling.stderr)")
        #expect(cycling.stdout.contains("[WARN] the training loss has not improved on its best"), "\(cycling.stdout)")
        #expect(cycling.stdout.contains("try --alpha 6.0, or --solver lbfgs"))
        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json")))
            as! [String: Any]
        #expect((metrics["warning"] as? String)?.contains("learning rate is too large") == true)
        let good = try CLI.run(["train"] + flags + ["--alpha", "0.5", "--epochs", "40"])
        #expect(good.status == 0 && !good.stdout.contains("[WARN]"), "\(good.stdout)")
    }

    @Test func divergenceStopsKeepsOutputsAndSuggestsASmallerAlpha() throws {
        let out = CLI.temporaryDirectory().appendingPathComponent("diverged").path
        let result = try CLI.run(["train", "--alpha", "1e308", "--output", out])
        #expect(result.status == 3)
        #expect(result.stderr.contains("training diverged at epoch 1"), "\(result.stderr)")
        #expect(result.stderr.contains("try a smaller --alpha"))
        #expect(FileManager.default.fileExists(atPath: out + "/loss.csv"))
        #expect(FileManager.default.fileExists(atPath: out + "/loss.svg"))
    }

    /// D12: a loss that explodes but stays finite prints in scientific notation, not as
    /// hundreds of digits; a finite loss is not a divergence (exit 0).
    @Test
    func hugeFiniteLossPrintsShort() throws {
        let result = try CLI.run(["train", "--alpha", "1e300", "--loss", "log-loss", "--epochs", "10"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("[INFO] epoch=") }
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.count < 60 }, "\(lines)")
        #expect(lines.contains { $0.contains("e+") }, "\(lines)")
    }

    /// D18: --no-drop-last and --no-full-loss turn off what a configuration file turned on.
    @Test func noDropLastAndNoFullLossOverrideTheConfiguration() throws {
        let config = CLI.write(
            "{\"optimizer\": \"sgd\", \"drop-last\": true, \"full-loss\": true, \"samples\": 100, \"epochs\": 1}",
            to: "sgd.json", in: Self.dir)
        for (flags, expected) in [([String](), true), (["--no-drop-last", "--no-full-loss"], false)] {
            let out = Self.dir.appendingPathComponent("d18-\(expected)").path
            let result = try CLI.run(["train", "--config", config, "--output", out] + flags)
            #expect(result.status == 0, "\(result.stderr)")
            let model =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json")))
                as? [String: Any]
            let configuration = model?["configuration"] as? [String: Any]
            #expect(configuration?["drop-last"] as? Bool == expected, "\(flags)")
            #expect(configuration?["full-loss"] as? Bool == expected, "\(flags)")
        }
    }

    /// D5: a batch size near Int.max is one full batch, not an overflow trap; with workers
    /// the default averaging interval does not overflow either, nor one near Int.max on two
    /// threads (whose rounds run in one dispatch).
    @Test func hugeBatchSizeTrainsAsOneBatch() throws {
        let huge = "9223372036854775807"
        for extra in [
            ["--batch-size", huge], ["--batch-size", huge, "--workers", "2"],
            ["--batch-size", "8", "--workers", "2", "--sync-every", huge, "--threads", "2"],
        ] {
            let result = try CLI.run(
                ["train", "--samples", "400", "--epochs", "2", "--optimizer", "sgd", "--gradient", "mean"] + extra)
            #expect(result.status == 0, "\(extra): \(result.stderr)")
            #expect(result.stdout.contains("accuracy"))
        }
    }

    /// D22: with --validation-fraction and no --patience the run keeps its best validation
    /// epoch's weights, and the console says so.
    @Test func keptValidationEpochIsReportedWithoutPatience() throws {
        let dir = CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("d").path
        let result = try CLI.run([
            "train", "--samples", "1500", "--validation-fraction", "0.25", "--epochs", "40", "--alpha", "0.002",
            "--momentum", "0.99", "--schedule", "step", "--step-size", "3", "--gamma", "0.5", "--output", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json")))
            as! [String: Any]
        let kept = metrics["kept-epoch"] as! Int
        #expect(kept < metrics["epochs-run"] as! Int)
        #expect(
            result.stdout.contains(
                "[INFO] completed all 40 epochs; kept the weights of epoch \(kept) (the lowest validation loss)"),
            "\(result.stdout)")
    }
}
