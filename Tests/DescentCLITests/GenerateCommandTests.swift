import DescentTestSupport
import Foundation
import Testing

/// `descent generate`: the blobs `train` generates, written for other tools; training on the
/// file gives the in-process run's bits.
struct GenerateCommandTests {
    static func weightsAndLosses(_ folder: String) throws -> [String] {
        let model =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/model.json")))
            as! [String: Any]
        let weights = (model["weights"] as! [[Double]]).flatMap { $0 }.map { String($0.bitPattern, radix: 16) }
        let losses = try String(contentsOfFile: folder + "/loss.csv", encoding: .utf8).split(separator: "\n")
            .dropFirst()
            .map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
        return weights + losses
    }

    @Test(arguments: [
        ("npy", "float64"), ("csv", "float64"), ("npz", "float64"), ("npy", "float32"), ("csv", "float32"),
        ("npz", "float32"),
    ])
    func trainingOnTheFileGivesTheInProcessBits(_ format: String, _ precision: String) throws {
        let dir = CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("blobs.\(format)").path
        let blobs = ["--samples", "3000", "--features", "3", "--centers", "3", "--seed", "7", "--cluster-std", "2.5"]
        let generated = try CLI.run(["generate"] + blobs + ["--precision", precision, "--output", file])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(
            generated.stdout.contains(format == "npz" ? "X 3,000 x 3, y 3,000 labels" : "3,000 rows x 4 columns"),
            "\(generated.stdout)")
        let training = [
            "--seed", "7", "--epochs", "15", "--optimizer", "sgd", "--batch-size", "64", "--momentum", "0.9",
            "--gradient", "mean", "--alpha", "0.05", "--test-fraction", "0.3", "--validation-fraction", "0.2",
            "--precision", precision,
        ]
        let inProcess = try CLI.run(["train"] + blobs + training + ["--output", dir.appendingPathComponent("a").path])
        let fromFile = try CLI.run(
            ["train", "--train", file] + training + ["--output", dir.appendingPathComponent("b").path])
        #expect(inProcess.status == 0 && fromFile.status == 0, "\(inProcess.stderr) \(fromFile.stderr)")
        let a = try Self.weightsAndLosses(dir.appendingPathComponent("a").path)
        let b = try Self.weightsAndLosses(dir.appendingPathComponent("b").path)
        #expect(a.count > 15)
        let same = a == b
        #expect(
            same,
            "\(format) \(precision): first difference \(zip(a, b).first { $0 != $1 }.map { "\($0) vs \($1)" } ?? "count")"
        )
    }

    /// The file's bytes do not depend on the thread count (rows span several blocks).
    @Test func theFileDoesNotDependOnThreads() throws {
        let dir = CLI.temporaryDirectory()
        for format in ["npy", "npz", "csv"] {
            var files: [Data] = []
            for threads in [1, 3, 8] {
                let file = dir.appendingPathComponent("t\(threads).\(format)").path
                let result = try CLI.run([
                    "generate", "--samples", "40000", "--features", "2", "--threads", "\(threads)", "--output", file,
                ])
                #expect(result.status == 0, "\(result.stderr)")
                files.append(try Data(contentsOf: URL(fileURLWithPath: file)))
            }
            #expect(files[0].count > 40_000 * 3 * 2)
            #expect(files.allSatisfy { $0 == files[0] }, "\(format): the bytes depend on the thread count")
        }
        #expect(
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).allSatisfy { !$0.hasPrefix(".") },
            "no temporary file is left")
    }

    /// numpy reads the .npy file with the right shape, labels and header.
    @Test func numpyReadsTheFile() throws {
        let dir = CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("b.npy").path
        #expect(
            try CLI.run(["generate", "--samples", "1000", "--features", "5", "--centers", "4", "--output", file]).status
                == 0)
        let check = try CLI.runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                """
                import sys
                try:
                    import numpy
                except ImportError:
                    print("skip"); sys.exit(0)
                a = numpy.load(sys.argv[1])
                assert a.shape == (1000, 6) and a.dtype == numpy.float64, (a.shape, a.dtype)
                assert sorted(set(a[:, 5].tolist())) == [0.0, 1.0, 2.0, 3.0]
                assert numpy.isfinite(a).all()
                print("ok")
                """, file,
            ])
        #expect(
            check.status == 0 && (check.stdout == "ok\n" || check.stdout == "skip\n"), "\(check.stdout) \(check.stderr)"
        )
    }

    /// Python's zipfile verifies the .npz's CRCs, and numpy reads X and y as the .npy's
    /// columns, float64 and float32, over several blocks written by several threads.
    @Test func numpyReadsTheArchive() throws {
        let dir = CLI.temporaryDirectory()
        for precision in ["float64", "float32"] {
            let npz = dir.appendingPathComponent("b-\(precision).npz").path
            let npy = dir.appendingPathComponent("b-\(precision).npy").path
            for file in [npz, npy] {
                let r = try CLI.run([
                    "generate", "--samples", "70001", "--features", "3", "--centers", "5", "--threads", "3",
                    "--precision", precision, "--output", file,
                ])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let check = try CLI.runProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                [
                    "python3", "-c",
                    """
                    import sys, zipfile
                    assert zipfile.ZipFile(sys.argv[1]).testzip() is None, "bad CRC"
                    try:
                        import numpy
                    except ImportError:
                        print("skip"); sys.exit(0)
                    d, a = numpy.load(sys.argv[1]), numpy.load(sys.argv[2])
                    assert sorted(d.files) == ["X", "y"], d.files
                    assert d["X"].shape == (70001, 3) and d["X"].dtype == a.dtype and d["y"].dtype == numpy.int64
                    assert (d["X"] == a[:, :3]).all() and (d["y"] == a[:, 3]).all()
                    print("ok")
                    """, npz, npy,
                ])
            #expect(
                check.status == 0 && (check.stdout == "ok\n" || check.stdout == "skip\n"),
                "\(precision): \(check.stdout) \(check.stderr)")
        }
    }

    /// Bad output paths and sizes are refused before any work.
    @Test func badOutputsAreRefusedBeforeAnyWork() throws {
        let dir = CLI.temporaryDirectory()
        let existing = CLI.write("keep", to: "old.npy", in: dir)
        let cases: [([String], Int32, String)] = [
            (["--output", dir.appendingPathComponent("x.parquet").path], 2, "unknown extension"),
            (["--output", dir.appendingPathComponent("missing/x.npy").path], 4, "does not exist"),
            (["--output", existing], 4, "exists; add --overwrite"),
            (["--output", dir.path + "/"], 2, "unknown extension"),
            (
                [
                    "--samples", "2000000000", "--features", "100000", "--output",
                    dir.appendingPathComponent("big.npy").path,
                ], 4, "free"
            ),
            (
                ["--samples", "4", "--centers", "9", "--output", dir.appendingPathComponent("c.npy").path], 2,
                "is more than --samples"
            ),
        ]
        for (arguments, status, message) in cases {
            let result = try CLI.run(["generate"] + arguments)
            #expect(
                result.status == status && result.stderr.contains(message),
                "\(arguments): \(result.status) \(result.stderr)")
        }
        #expect((try? String(contentsOfFile: existing, encoding: .utf8)) == "keep")
    }
}
