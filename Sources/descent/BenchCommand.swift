import ArgumentParser
import Descent
import DescentBench
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how training scales with threads, against the machine's memory read bandwidth.",
        discussion: """
            Strong scaling keeps --rows fixed; weak scaling gives each thread --rows-per-thread. \
            For each point, the data is generated first (outside the timing), --warmup epochs are \
            dropped, and --epochs epochs are timed one by one: rows/s and GB/s are the median \
            with min and max, next to the read bandwidth measured at the start with a STREAM-style \
            probe over all threads. Speedup is against 1 thread of the same series; efficiency is \
            speedup / threads.
            """
    )

    @Option(help: "Training rows for strong scaling.") var rows = 10_000_000
    @Option(name: .customLong("rows-per-thread"), help: "Training rows per thread for weak scaling.")
    var rowsPerThread = 5_000_000
    @Option(help: "Features per row.") var features = 2
    @Option(help: "strong, weak or both.") var mode: Mode = .strong
    @Option(help: "Comma-separated precisions.") var precision = "float64,float32"
    @Option(help: "gd, sgd or both.") var optimizer = "gd"
    @Option(name: .customLong("batch-sizes"), help: "Comma-separated SGD batch sizes.") var batchSizes = "32,4096,65536"
    @Option(help: "Binary loss to train: squared-error (the tutorial's) or log-loss (as scikit-learn's SGDClassifier).")
    var loss: Loss = .squaredError
    @Option(help: "SGD: comma-separated worker counts K (--workers of train); each is a series. Default 1.")
    var workers = "1"
    @Option(name: .customLong("sync-every"), help: "SGD with workers: batches between averagings. Default: as train.")
    var syncEvery: Int?
    @Option(help: "SGD: each epoch's order, blocks, full or none (--shuffle of train). Default blocks.")
    var shuffle: ShuffleMode = .blocks
    @Option(
        name: .customLong("threads-list"),
        help: "Comma-separated thread counts. Default: 1, 2, 4, ... up to the usable CPUs.")
    var threadsList: String?
    @Option(help: "Timed epochs per point.") var epochs = 10
    @Option(help: "Warm-up epochs per point (not timed).") var warmup = 2
    @Option(name: .customLong("probe-bytes"), help: "Bytes read by the bandwidth probe.") var probeBytes = 1 << 30
    @Option(help: "table, csv or json.") var format: OutputFormat = .table
    @Option(help: ArgumentHelp("Folder for bench.csv, bench.json and speedup.svg.", valueName: "dir")) var output:
        String?
    @Flag(help: "Replace an earlier bench report in --output DIR.") var overwrite = false

    enum Mode: String, ExpressibleByArgument, CaseIterable { case strong, weak, both }
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    func list(_ text: String, _ name: String) throws -> [String] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw ValidationError("--\(name) needs at least one value") }
        return parts
    }

    func run() throws {
        Interrupts.install()
        var folder: RunFolder?
        do {
            try Ranks.start()
            guard probeBytes >= 1 << 20 else {
                throw DescentError.configuration(
                    "--probe-bytes must be at least 1048576 (1 MiB) to measure memory rather than cache (got \(probeBytes))"
                )
            }
            guard rows >= 1, rowsPerThread >= 1, features >= 1, epochs >= 1, warmup >= 0 else {
                throw DescentError.configuration(
                    "--rows, --rows-per-thread, --features and --epochs must be at least 1, --warmup at least 0")
            }
            let precisions = try list(precision, "precision").map { p -> Precision in
                guard let v = Precision(rawValue: p) else {
                    throw DescentError.configuration("--precision takes float32 and float64 (got '\(p)')")
                }
                return v
            }
            let optimizers: [OptimizerKind] = try {
                switch optimizer {
                case "gd": return [.gd]
                case "sgd": return [.sgd]
                case "both": return [.gd, .sgd]
                default: throw DescentError.configuration("--optimizer takes gd, sgd or both (got '\(optimizer)')")
                }
            }()
            let batches = try list(batchSizes, "batch-sizes").map { b -> Int in
                guard let v = Int(b), v >= 1 else {
                    throw DescentError.configuration("--batch-sizes must be whole numbers >= 1 (got '\(b)')")
                }
                return v
            }
            guard loss.isBinary else {
                throw DescentError.configuration("--loss takes squared-error or log-loss: bench trains on two blobs")
            }
            let workerCounts = try list(workers, "workers").map { w -> Int in
                guard let v = Int(w), v >= 1 else {
                    throw DescentError.configuration("--workers must be whole numbers >= 1 (got '\(w)')")
                }
                return v
            }
            if let s = syncEvery, s < 1 {
                throw DescentError.configuration("--sync-every must be at least 1 batch (got \(s))")
            }
            if !optimizers.contains(.sgd) && (workerCounts != [1] || syncEvery != nil) {
                throw DescentError.configuration("--workers and --sync-every need --optimizer sgd or both")
            }
            let usable = Topology.current.usableCPUCount
            let threads: [Int] =
                try threadsList.map { text in
                    try list(text, "threads-list").map { t -> Int in
                        guard let v = Int(t), v >= 1, v <= RunConfiguration.maximumThreads else {
                            throw DescentError.configuration(
                                "--threads-list must be thread counts from 1 to \(RunConfiguration.maximumThreads) (got '\(t)')"
                            )
                        }
                        return v
                    }
                }
                ?? {
                    var out = [1]
                    while out.last! * 2 <= usable { out.append(out.last! * 2) }
                    if out.last! != usable { out.append(usable) }
                    return out
                }()
            // The resolved thread counts, not the flag: without --threads-list each host's CPU
            // count decides them, and ranks that measured different points would wait on each
            // other's collectives forever.
            try Ranks.agree(
                on:
                    "\(rows) \(rowsPerThread) \(features) \(mode) \(precision) \(optimizer) \(batchSizes) \(loss) \(workers) \(syncEvery ?? 0) \(threads) \(epochs) \(warmup)",
                command: "bench",
                hint: threadsList == nil
                    ? " (without --threads-list each host measures 1, 2, 4, ... up to its own CPU count: give every rank the same --threads-list)"
                    : "")
            var series: [ScalingBenchmark.Series] = []
            for p in precisions {
                for o in optimizers {
                    if o == .gd {
                        series.append(.init(precision: p, optimizer: .gd, loss: loss))
                    } else {
                        for b in batches {
                            for k in workerCounts {
                                series.append(
                                    .init(
                                        precision: p, optimizer: .sgd, batchSize: b, workers: k, syncEvery: syncEvery,
                                        loss: loss, shuffle: shuffle))
                            }
                        }
                    }
                }
            }
            let modes: [String] = mode == .both ? ["strong", "weak"] : [mode.rawValue]
            if let output, !Ranks.quiet {
                folder = try Interrupts.watching {
                    try RunFolder(
                        target: output, overwrite: overwrite,
                        owns: { ["bench.csv", "bench.json", "speedup.svg"].contains($0) })
                }
            }
            try MemoryBudget.check([.init("bandwidth probe", probeBytes)], hint: "use a smaller --probe-bytes")
            // The largest point, checked before the bandwidth probe takes its seconds.
            let largest = modes.map {
                $0 == "strong" ? rows : MemoryBudget.product(rowsPerThread, threads.max()!) ?? Int.max
            }.max()!
            let scalarBytes = precisions.contains(.float64) ? 8 : 4
            let data = MemoryBudget.datasetBytes(rows: largest, features: features, scalarBytes: scalarBytes)
            try MemoryBudget.check(
                [.init("data", data)] + (optimizers.contains(.sgd) ? [.init("SGD epoch copy", data)] : []),
                hint: "use fewer --rows, --rows-per-thread or --features, or --precision float32")
            note("[INFO] measuring read bandwidth with \(threads.max()!) threads over \(probeBytes >> 20) MiB")
            let bandwidth = BandwidthProbe.read(bytes: probeBytes, threads: threads.max()!)
            let bandwidthOne = BandwidthProbe.read(bytes: probeBytes, threads: 1)
            var points: [ScalingPoint] = []
            let total = modes.count * series.count * threads.count
            for m in modes {
                for s in series {
                    for t in threads {
                        // Over ranks, each rank runs t threads: weak scaling gives every thread of every rank its rows.
                        let group = Ranks.group(threads: t)
                        let n = m == "strong" ? rows : rowsPerThread * t * (group?.size ?? 1)
                        note(
                            "[PROGRESS] point \(points.count + 1)/\(total): \(m) \(s.precision.rawValue) \(s.optimizer.rawValue)"
                                + (s.optimizer == .sgd
                                    ? " batch \(s.batchSize)" + (s.workers > 1 ? " workers \(s.workers)" : "") : "")
                                + ", \(t) thread\(t == 1 ? "" : "s"), \(Format.count(n)) rows")
                        points.append(
                            try ScalingBenchmark.measure(
                                series: s, mode: m, rows: n, features: features, threads: t,
                                epochs: epochs, warmup: warmup, bandwidth: bandwidth, ranks: group))
                    }
                }
            }
            points = ScalingBenchmark.relate(points)
            try report(points, bandwidth: bandwidth, bandwidthOne: bandwidthOne, folder: folder)
            try folder?.commit()
            try Exit.checkStandardOutput()
            Ranks.finish()
        } catch let exit as ExitCode {
            throw Ranks.fail(exit)
        } catch let error as ValidationError {
            folder?.abandon()
            throw Ranks.fail(DescentError.configuration(error.message))
        } catch {
            folder?.abandon()
            throw Ranks.fail(error)
        }
    }

    func csv(_ points: [ScalingPoint]) -> String {
        var out =
            "mode,precision,optimizer,batch_size,workers,sync_every,threads,rows,bytes_per_row,rows_per_s_median,rows_per_s_min,rows_per_s_max,gb_per_s,percent_of_bandwidth,speedup,efficiency,epochs,epoch_s,shuffle_s,average_s,generate_rows_per_s,generate_normals_per_s_per_thread\n"
        for p in points {
            out +=
                "\(p.mode),\(p.precision),\(p.optimizer),\(p.batchSize.map(String.init) ?? ""),\(p.workers),\(p.syncEvery.map(String.init) ?? ""),\(p.threads),\(p.rows),\(p.bytesPerRow),"
                + String(
                    format: "%.0f,%.0f,%.0f,%.3f,%.1f,%.3f,%.3f,", p.rowsPerSecondMedian, p.rowsPerSecondMin,
                    p.rowsPerSecondMax,
                    p.gigabytesPerSecond, p.fractionOfBandwidth * 100, p.speedup, p.efficiency) + "\(p.epochs),"
                + String(
                    format: "%.6f,%.6f,%.6f,%.0f,%.0f\n", p.epochSeconds, p.shuffleSeconds, p.averageSeconds,
                    p.generateRowsPerSecond, p.normalsPerSecondPerThread)
        }
        return out
    }

    func json(_ points: [ScalingPoint], bandwidth: Double, bandwidthOne: Double) -> Data {
        let report: JSONValue = [
            "readBandwidthGBps": .init(bandwidth / 1e9), "readBandwidthOneThreadGBps": .init(bandwidthOne / 1e9),
            "points": .array(points.map(\.json)),
        ]
        return Data(report.text().utf8)
    }

    func report(_ points: [ScalingPoint], bandwidth: Double, bandwidthOne: Double, folder: RunFolder?) throws {
        switch format {
        case .csv: print(csv(points), terminator: "")
        case .json:
            print(String(decoding: json(points, bandwidth: bandwidth, bandwidthOne: bandwidthOne), as: UTF8.self))
        case .table:
            print(
                String(
                    format: "read bandwidth (STREAM-style probe): %.1f GB/s with %d threads, %.1f GB/s with 1",
                    bandwidth / 1e9,
                    points.map(\.threads).max() ?? 1, bandwidthOne / 1e9))
            let sgd = points.contains { $0.optimizer == "sgd" }
            print(
                "mode    precision  optimizer     threads  rows         rows/s median (min-max)         GB/s   % bw  speedup  efficiency"
                    + (sgd ? "  copy %  avg %" : "") + "  generated rows/s (normals/s/thread)")
            for p in points {
                let name = p.optimizer + (p.batchSize.map { " b\($0)" } ?? "") + (p.workers > 1 ? " K\(p.workers)" : "")
                print(
                    p.mode.padding(toLength: 8, withPad: " ", startingAt: 0)
                        + p.precision.padding(toLength: 11, withPad: " ", startingAt: 0)
                        + name.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%7d  ", p.threads)
                        + Format.count(p.rows).padding(toLength: 11, withPad: " ", startingAt: 0) + "  "
                        + "\(Format.rate(p.rowsPerSecondMedian)) (\(Format.rate(p.rowsPerSecondMin))-\(Format.rate(p.rowsPerSecondMax)))"
                        .padding(toLength: 30, withPad: " ", startingAt: 0)
                        + String(
                            format: "%6.2f  %5.1f  %7.2f  %10.2f", p.gigabytesPerSecond, p.fractionOfBandwidth * 100,
                            p.speedup, p.efficiency)
                        + (sgd
                            ? String(
                                format: "  %6.1f  %5.1f",
                                p.epochSeconds > 0 ? 100 * p.shuffleSeconds / p.epochSeconds : 0,
                                p.epochSeconds > 0 ? 100 * p.averageSeconds / p.epochSeconds : 0) : "")
                        + "  \(Format.rate(p.generateRowsPerSecond)) (\(Format.rate(p.normalsPerSecondPerThread)))")
            }
            if let ranks = points.first?.ranks, ranks > 1 {
                print(
                    "over \(ranks) MPI ranks: threads are per rank; rows and rows/s count all ranks; speedup is over 1 thread per rank."
                        + " The training set's exchange (block reduction, all-gather, waits for slower ranks) per epoch on rank 0:"
                )
                for p in points where p.optimizer == "gd" {
                    print(
                        "  \(p.mode) \(p.precision) \(p.threads) thread\(p.threads == 1 ? "" : "s") per rank: "
                            + String(
                                format: "%.1f us per epoch, %.1f%% of the epoch", p.exchangeSeconds * 1e6,
                                p.epochSeconds > 0 ? 100 * p.exchangeSeconds / p.epochSeconds : 0))
                }
            }
        }
        if let folder {
            let directory = folder.target
            try folder.write("bench.csv", Data(csv(points).utf8))
            try folder.write("bench.json", json(points, bandwidth: bandwidth, bandwidthOne: bandwidthOne))
            var groups: [String: [ScalingPoint]] = [:]
            for p in points {
                groups[
                    "\(p.mode) \(p.precision) \(p.optimizer)\(p.batchSize.map { " b\($0)" } ?? "")\(p.workers > 1 ? " K\(p.workers)" : "")",
                    default: []
                ].append(p)
            }
            var series = groups.keys.sorted().enumerated().map { i, key in
                SVGPlot.Series(
                    label: key, points: groups[key]!.map { (Double($0.threads), $0.speedup) },
                    color: SVGPlot.palette[i % SVGPlot.palette.count])
            }
            let maxThreads = Double(points.map(\.threads).max() ?? 1)
            series.append(
                SVGPlot.Series(
                    label: "ideal", points: [(1, 1), (maxThreads, maxThreads)], color: "#000000", dashed: true))
            let svg = SVGPlot(title: "Speedup over 1 thread", xLabel: "threads", yLabel: "speedup").lines(series)
            try folder.write("speedup.svg", Data(svg.utf8))
            if format == .table { print("[INFO] wrote \(directory)/bench.csv, bench.json, speedup.svg") }
        }
    }
}
