import ArgumentParser
import Descent
import Foundation

struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Show the NUMA nodes, their CPUs and memory, and where a dataset's shards would be placed.",
        discussion: """
            With --probe, also measures read bandwidth from each node's CPUs to each node's \
            memory. With --check, builds the dataset under --numa auto, interleave and off, asks \
            the kernel where every page of every shard is (get_mempolicy), checks it against the \
            plan, trains a few epochs under each policy, checks the weights are the same bits, and \
            checks that all NUMA memory was freed; exit status 1 when anything is off.
            """
    )

    @Option(help: "Rows of the dataset to plan (training rows).") var samples = 10_000_000
    @Option(help: "Features per row.") var features = 2
    @Option(help: "float32 or float64.") var precision: Precision = .float64
    @Option(help: "Threads, hence shards. Default: the CPUs this process may use.") var threads: Int?
    @Option(help: "Placement policy to plan: auto, off or interleave.") var numa: NUMAPolicy = .auto
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Measure read bandwidth between every pair of nodes.") var probe = false
    @Option(name: .customLong("probe-bytes"), help: "Bytes read per probe.") var probeBytes = 256 << 20
    @Flag(help: "Check real page placement and bit-identical training under every policy.") var check = false

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard features >= 1 else { throw ValidationError("--features must be at least 1") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        guard probeBytes >= 1 << 20 else { throw ValidationError("--probe-bytes must be at least 1 MiB") }
    }

    func run() throws {
        let topology = Topology.current
        let threads = self.threads ?? topology.usableCPUCount
        let chunks = ChunkPlan(rowCount: samples)
        let plan = PlacementPlan(chunkCount: chunks.chunkCount, shardCount: threads, topology: topology, policy: numa)
        // A file's dataset keeps a full label slot a row; generated ones pack it (less).
        let bytesPerRow = (features + 1) * (precision == .float64 ? 8 : 4)
        let blockBytes = bytesPerRow * chunks.chunkRows
        var bytesByNode: [String: Int] = [:]
        for shard in plan.shards {
            let key = plan.interleaved ? "all (interleaved)" : shard.node.map(String.init) ?? "first touch"
            bytesByNode[key, default: 0] += shard.chunks.count * blockBytes
        }
        let matrix = probe ? BandwidthProbe.nodeMatrix(bytes: probeBytes, topology: topology) : nil

        if json {
            var object: [String: JSONValue] = [
                "libnuma-active": .init(topology.libnumaActive),
                "usable-cpus": .init(topology.usableCPUCount),
                "nodes": .array(
                    topology.nodes.map {
                        [
                            "id": .init($0.id), "cpus": .array($0.cpus.map { JSONValue($0) }),
                            "usable-cpus": .array($0.usableCPUs.map { JSONValue($0) }),
                            "memory-bytes": .init(Int($0.memoryBytes)), "free-bytes": .init(Int($0.freeBytes)),
                        ]
                    }),
                "plan": [
                    "samples": .init(samples), "features": .init(features), "precision": .init(precision.rawValue),
                    "threads": .init(threads),
                    "policy": .init(numa.rawValue), "placement-active": .init(plan.isActive),
                    "chunk-rows": .init(chunks.chunkRows),
                    "shards": .array(
                        plan.shards.map {
                            [
                                "shard": .init($0.index), "first-chunk": .init($0.chunks.lowerBound),
                                "chunks": .init($0.chunks.count), "node": $0.node.map { JSONValue($0) } ?? .null,
                            ]
                        }),
                    "bytes-by-node": .object(bytesByNode.mapValues { JSONValue($0) }),
                ],
            ]
            if let limit = topology.cgroupCPULimit { object["cgroup-cpu-limit"] = .init(limit) }
            if let matrix { object["read-bandwidth-gbps"] = .array(matrix.map { .init($0.map { $0 / 1e9 }) }) }
            print(JSONValue.object(object).text())
        } else {
            print("libnuma: \(topology.libnumaActive ? "active" : "not available (single-node fallback)")")
            print(
                "usable CPUs: \(topology.usableCPUCount)"
                    + (topology.cgroupCPULimit.map { " (cgroup quota \(String(format: "%.2f", $0)) CPUs)" } ?? ""))
            print("node  cpus                usable              memory      free")
            for node in topology.nodes {
                print(
                    String(format: "%4d  ", node.id)
                        + ranges(node.cpus).padding(toLength: 18, withPad: " ", startingAt: 0) + "  "
                        + ranges(node.usableCPUs).padding(toLength: 18, withPad: " ", startingAt: 0) + "  "
                        + gib(node.memoryBytes) + "  " + gib(node.freeBytes))
            }
            print("")
            print(
                "plan: \(Format.count(samples)) rows x \(features) features, \(precision.rawValue), \(threads) thread\(threads == 1 ? "" : "s"), --numa \(numa.rawValue)"
                    + (plan.isActive
                        ? "" : " (placement inactive: one node or no libnuma; pages go where first touched)"))
            print("shard  chunks            rows                     node")
            for shard in plan.shards {
                let rows =
                    shard.chunks.isEmpty
                    ? 0..<0
                    : chunks.rows(ofChunk: shard.chunks.lowerBound)
                        .lowerBound..<chunks.rows(ofChunk: shard.chunks.upperBound - 1).upperBound
                print(
                    String(format: "%5d  ", shard.index)
                        + "\(shard.chunks.lowerBound)..<\(shard.chunks.upperBound)".padding(
                            toLength: 16, withPad: " ", startingAt: 0)
                        + "  "
                        + "\(rows.lowerBound)..<\(rows.upperBound)".padding(toLength: 23, withPad: " ", startingAt: 0)
                        + "  "
                        + (plan.interleaved ? "interleaved" : shard.node.map(String.init) ?? "-"))
            }
            for (node, bytes) in bytesByNode.sorted(by: { $0.key < $1.key }) {
                print(
                    "bytes on node \(node): \(Format.count(bytes)) (\(String(format: "%.1f", Double(bytes) / 1e6)) MB)")
            }
            if let matrix {
                print("")
                print("read bandwidth, one thread, GB/s (rows: CPUs of node; columns: memory of node)")
                for (i, row) in matrix.enumerated() {
                    print(
                        String(format: "%4d  ", i)
                            + row.map { String(format: "%8.2f", $0 / 1e9) }.joined(separator: " "))
                }
            }
        }
        if check {
            let problems = try runCheck(topology: topology, threads: threads)
            if !problems.isEmpty {
                for p in problems { note("placement check: \(p)") }
                throw ExitCode(1)
            }
        }
    }

    /// Builds, inspects and trains under every policy; returns the problems found.
    func runCheck(topology: Topology, threads: Int) throws -> [String] {
        var problems: [String] = []
        var hashes: [String] = []
        let live = NodeMemory.liveBytes
        for policy in [NUMAPolicy.auto, .interleave, .off] {
            var c = RunConfiguration()
            c.samples = samples
            c.features = features
            c.precision = precision
            c.threads = threads
            c.numa = policy
            c.training.epochs = 3
            c.training.gradient = .mean
            c.training.alpha = 0.5
            try c.validate()
            let (report, hash) =
                precision == .float64 ? try inspectAndTrain(c, as: Double.self) : try inspectAndTrain(c, as: Float.self)
            let found = report.problems(topology: topology)
            problems += found.map { "--numa \(policy.rawValue): \($0)" }
            let nodes = report.pagesByNode.sorted { $0.key < $1.key }.map {
                "node \($0.key == -1 ? "?" : String($0.key)): \($0.value)"
            }
            print(
                "check --numa \(policy.rawValue): pages by node \(nodes.joined(separator: ", ")); shards on nodes "
                    + report.shards.map { s in s.pagesByNode.keys.sorted().map(String.init).joined(separator: "+") }
                    .joined(separator: " ")
                    + "; weights \(hash)" + (found.isEmpty ? "; ok" : "; FAILED"))
            hashes.append(hash)
        }
        if Set(hashes).count != 1 { problems.append("weights differ between policies: \(hashes)") }
        if NodeMemory.liveBytes != live {
            problems.append("\(NodeMemory.liveBytes - live) bytes of NUMA memory were not freed")
        }
        print(
            problems.isEmpty
                ? "check: placement as planned, identical weights under auto, interleave and off, all NUMA memory freed"
                : "check: FAILED")
        return problems
    }

    func inspectAndTrain<T: KernelScalar>(_ c: RunConfiguration, as type: T.Type) throws -> (PlacementReport, String) {
        let data = try Experiment.prepare(c, as: type)
        let report = data.train.placementReport()
        let result = try Experiment.run(c, data: data)
        return (
            report,
            RunRecord(threads: c.threads ?? 1, history: result.training.history, weights: result.training.weights)
                .weightsHash
        )
    }

    func ranges(_ cpus: [Int]) -> String {
        guard !cpus.isEmpty else { return "-" }
        var parts: [String] = []
        var start = cpus[0]
        var previous = cpus[0]
        for cpu in cpus.dropFirst() + [Int.min] {
            if cpu == previous + 1 {
                previous = cpu
                continue
            }
            parts.append(start == previous ? "\(start)" : "\(start)-\(previous)")
            start = cpu
            previous = cpu
        }
        return parts.joined(separator: ",")
    }

    func gib(_ bytes: Int64) -> String { String(format: "%7.2f GiB", Double(bytes) / 1_073_741_824) }
}
