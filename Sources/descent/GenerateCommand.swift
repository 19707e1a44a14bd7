import ArgumentParser
import Descent
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the blobs `descent train` would generate to a .npy, .npz or CSV file, for other tools.",
        discussion: """
            Writes every generated row, in row order, with the features first and the label \
            (0 to centers-1) last: .npy as the exact IEEE values (float64, or float32 with \
            --precision float32), .npz as numpy.savez(X=..., y=...) writes it (X the features, \
            y the int64 labels; read it with numpy.load), CSV as the shortest decimals that read back to the same \
            float64. `descent train --train FILE` with the same --seed, --test-fraction and \
            --validation-fraction splits the file exactly as it splits generated rows, and \
            trains to the same bits as `descent train --samples ...`. Rows are made in parallel \
            and written in place, never held twice; the file appears (atomically renamed) only \
            when complete.

            With --sparse it writes a text-like classification problem in the svmlight format \
            instead (NAME.svm, .svmlight or .libsvm): --samples rows over --features features, \
            about --nonzeros draws of a feature a row from a Zipf-like law (a feature's value is \
            its count), labels -1/+1 from a planted sparse weight vector with --noise. The bytes \
            depend only on the settings and --seed, never on --threads.

            Exit status: 0 done; 2 bad input; 4 the file cannot be written (checked before any \
            work, including the free space).
            """
    )

    @Option(help: "Points to generate (make_blobs n_samples). Default 1000.") var samples = 1000
    @Option(help: "Features per point. Default 2.") var features = 2
    @Option(help: "Blob centers, one class each. Default 2.") var centers = 2
    @Option(name: .customLong("cluster-std"), help: "Standard deviation of each blob. Default 1.5.") var clusterStd =
        1.5
    @Option(
        name: .customLong("center-box"),
        help: ArgumentHelp("Box the centers are drawn in, as LOW,HIGH. Default -10,10.", valueName: "low,high"))
    var centerBox: String?
    @Option(help: "Seed (the same as train's --seed). Default 3.") var seed = 3
    @Option(help: "float64 or float32 values in a .npy or .npz file. Default float64.") var precision: Precision =
        .float64
    @Option(help: "Threads. Default: the CPUs this process may use. The file's bytes do not depend on it.") var threads:
        Int?
    @Option(help: ArgumentHelp("The file to write: NAME.npy, NAME.npz or NAME.csv.", valueName: "file")) var output:
        String
    @Flag(help: "Replace an existing file.") var overwrite = false
    @Flag(help: "Write a sparse text-like problem in the svmlight format (NAME.svm, .svmlight or .libsvm).")
    var sparse = false
    @Option(help: "With --sparse: feature draws a row, on average (1 to 4000). Default 20.") var nonzeros: Int?
    @Option(help: "With --sparse: the standard deviation of the label noise. Default 0.5.") var noise: Double?

    func run() throws {
        Interrupts.install()
        do {
            // The same settings as train's, read and checked as train reads them.
            var options = RunConfiguration()
            var given: [String: JSONValue] = [
                "samples": .init(samples), "features": .init(features), "centers": .init(centers),
                "cluster-std": .init(clusterStd), "seed": .init(seed),
            ]
            if let centerBox { given["center-box"] = .init(centerBox) }
            if let threads { given["threads"] = .init(threads) }
            try options.apply(given, from: .commandLine)
            try options.validate()
            if sparse {
                try runSparse(threads: Experiment.threadCount(options))
                return
            }
            if nonzeros != nil || noise != nil {
                throw DescentError.configuration(
                    "--nonzeros and --noise describe --sparse data; add --sparse or drop them")
            }
            let format = try DataFileWriter.format(ofPath: output)
            try MemoryBudget.check(
                [
                    .init("blob centers", MemoryBudget.product(centers, features, 8)),
                    .init(
                        "write buffers",
                        DataFileWriter.bufferBytes(
                            features: features, format: format,
                            threads: Experiment.threadCount(options))),
                ],
                hint: "use fewer --centers or --features")
            let generator = BlobGenerator(
                samples: samples, features: features, centers: centers, clusterStd: clusterStd,
                centerBox: options.centerBox, seed: options.training.seed)
            let bytes = DataFileWriter.byteCount(generator, precision: precision, format: format)
            let file = try DataFileWriter.create(output, overwrite: overwrite, bytes: bytes)
            Interrupts.watch(file: file.temporary)
            let started = DispatchTime.now().uptimeNanoseconds
            let threadCount = Experiment.threadCount(options)
            let written = try DataFileWriter.write(
                generator, precision: precision, format: format, to: file.descriptor, path: output,
                executor: ShardedExecutor(threads: threadCount))
            try file.commit()
            Interrupts.watch(file: nil)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let shape =
                format == .npz
                ? "X \(Format.count(samples)) x \(features), y \(Format.count(samples)) labels"
                : "\(Format.count(samples)) rows x \(features + 1) columns (\(features) features, label last)"
            print(
                "[INFO] wrote \(output): \(shape), "
                    + "\(MemoryBudget.format(written)) in \(String(format: "%.3f", seconds)) s "
                    + "(\(Format.rate(Double(samples) / max(seconds, 1e-9))) rows/s, \(String(format: "%.2f", Double(written) / max(seconds, 1e-9) / 1e9)) GB/s, \(threadCount) thread\(threadCount == 1 ? "" : "s"))"
            )
            print("[INFO] train on it with: descent train --train \(output) --seed \(seed)")
            try Exit.checkStandardOutput()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw Exit.fail(error)
        }
    }

    /// `--sparse`: the svmlight problem of ``SparseGenerator``.
    func runSparse(threads: Int) throws {
        guard SVMLightFile.named(output) else {
            throw DescentError.configuration(
                "--output \(output): --sparse writes the svmlight format; name the file NAME.svm, .svmlight or .libsvm")
        }
        let nonzeros = self.nonzeros ?? 20
        let noise = self.noise ?? 0.5
        guard (1...4000).contains(nonzeros) else {
            throw DescentError.configuration("--nonzeros \(nonzeros): give 1 to 4000 feature draws a row")
        }
        guard noise >= 0 && noise.isFinite else {
            throw DescentError.configuration("--noise \(noise): give a standard deviation of 0 or more")
        }
        guard features <= Int(UInt32.max) - 1 else {
            throw DescentError.configuration("--features \(features): svmlight indices go up to \(UInt32.max - 1)")
        }
        // Each draw writes at most an index, a colon, a count and a space.
        let perRow = MemoryBudget.product(3 * nonzeros / 2 + 1, String(features).count + 6)
        let file = try DataFileWriter.create(
            output, overwrite: overwrite, bytes: perRow.flatMap { MemoryBudget.product($0, samples) })
        Interrupts.watch(file: file.temporary)
        let started = DispatchTime.now().uptimeNanoseconds
        let generator = SparseGenerator(
            samples: samples, features: features, nonzeros: nonzeros, noise: noise, seed: UInt64(seed))
        let written = try generator.write(to: file, executor: ShardedExecutor(threads: threads))
        try file.commit()
        Interrupts.watch(file: nil)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        print(
            "[INFO] wrote \(output): \(Format.count(samples)) rows x \(Format.count(features)) features (svmlight, about \(nonzeros) feature draws a row), "
                + "\(MemoryBudget.format(written)) in \(String(format: "%.3f", seconds)) s (\(threads) thread\(threads == 1 ? "" : "s"))"
        )
        print("[INFO] train on it with: descent train --train \(output) --solver lbfgs")
        try Exit.checkStandardOutput()
    }
}
