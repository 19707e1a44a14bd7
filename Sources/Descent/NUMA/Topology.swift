import Foundation

#if os(Linux)
import CNuma
import Glibc
#endif

/// One NUMA node: its CPUs, the ones this process may run on, and its memory.
public struct NUMANode: Sendable, Equatable {
    public var id: Int
    /// Every CPU of the node.
    public var cpus: [Int]
    /// The node's CPUs that this process's affinity mask (and cpuset cgroup) allows.
    public var usableCPUs: [Int]
    public var memoryBytes: Int64
    public var freeBytes: Int64

    public init(id: Int, cpus: [Int], usableCPUs: [Int]? = nil, memoryBytes: Int64 = 0, freeBytes: Int64 = 0) {
        self.id = id
        self.cpus = cpus
        self.usableCPUs = usableCPUs ?? cpus
        self.memoryBytes = memoryBytes
        self.freeBytes = freeBytes
    }
}

/// The machine's NUMA layout as this process sees it.
///
/// Detected once through libnuma. Off Linux, when `numa_available()` fails, or on a
/// machine with one node, it is a single node holding every usable CPU.
public struct Topology: Sendable, Equatable {
    public var nodes: [NUMANode]
    /// Whether libnuma answered and placement calls will be made.
    public var libnumaActive: Bool
    /// CPUs allowed by the CPU quota of this process's cgroup (cpu.max), if one is set.
    public var cgroupCPULimit: Double?

    public init(nodes: [NUMANode], libnumaActive: Bool, cgroupCPULimit: Double? = nil) {
        self.nodes = nodes
        self.libnumaActive = libnumaActive
        self.cgroupCPULimit = cgroupCPULimit
    }

    /// Nodes that have at least one usable CPU.
    public var nodesWithCPUs: [NUMANode] { nodes.filter { !$0.usableCPUs.isEmpty } }

    /// Whether shard placement has anything to do: libnuma is active and more than one
    /// node has usable CPUs.
    public var isMultiNode: Bool { libnumaActive && nodesWithCPUs.count > 1 }

    /// The number of CPUs this process may use: the affinity mask, capped by the cgroup quota.
    public var usableCPUCount: Int {
        let mask = max(1, nodes.reduce(0) { $0 + $1.usableCPUs.count })
        if let limit = cgroupCPULimit { return max(1, min(mask, Int(limit.rounded(.up)))) }
        return mask
    }

    /// The topology of this machine, detected on first use.
    public static let current: Topology = detect()

    /// Asks libnuma (and the affinity mask and cgroup) for the topology.
    public static func detect() -> Topology {
        let quota = readCgroupCPULimit()
        #if os(Linux)
        let affinity = affinityCPUs()
        if numa_available() >= 0 {
            var nodes: [NUMANode] = []
            let possibleCPUs = Int(numa_num_possible_cpus())
            let maxNode = Int(numa_max_node())
            if let mask = numa_allocate_cpumask() {
                defer { numa_free_cpumask(mask) }
                for node in 0...max(0, maxNode) {
                    var free: Int64 = 0
                    let size = numa_node_size64(Int32(node), &free)
                    if size < 0 { continue }  // a gap in node numbers
                    guard numa_node_to_cpus(Int32(node), mask) == 0 else { continue }
                    var cpus: [Int] = []
                    for cpu in 0..<possibleCPUs where numa_bitmask_isbitset(mask, UInt32(cpu)) != 0 {
                        cpus.append(cpu)
                    }
                    let usable = cpus.filter { affinity?.contains($0) ?? true }
                    nodes.append(NUMANode(id: node, cpus: cpus, usableCPUs: usable, memoryBytes: size, freeBytes: free))
                }
            }
            if !nodes.isEmpty {
                return Topology(nodes: nodes, libnumaActive: true, cgroupCPULimit: quota)
            }
        }
        let count = affinity?.count ?? ProcessInfo.processInfo.activeProcessorCount
        #else
        let count = ProcessInfo.processInfo.activeProcessorCount
        #endif
        let memory = Int64(ProcessInfo.processInfo.physicalMemory)
        return Topology(
            nodes: [NUMANode(id: 0, cpus: Array(0..<count), memoryBytes: memory, freeBytes: 0)],
            libnumaActive: false, cgroupCPULimit: quota)
    }

    #if os(Linux)
    /// The CPUs in this process's affinity mask (which a cpuset cgroup also narrows), from
    /// `numa_sched_getaffinity`; nil when the call fails.
    static func affinityCPUs() -> Set<Int>? {
        guard let mask = numa_allocate_cpumask() else { return nil }
        defer { numa_free_cpumask(mask) }
        guard numa_sched_getaffinity(0, mask) >= 0 else { return nil }
        let possible = Int(numa_num_possible_cpus())
        let cpus = (0..<possible).filter { numa_bitmask_isbitset(mask, UInt32($0)) != 0 }
        return cpus.isEmpty ? nil : Set(cpus)
    }
    #endif

    /// The cgroup v2 CPU quota (`cpu.max`: "quota period") in CPUs, or nil when unlimited.
    static func readCgroupCPULimit() -> Double? {
        guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/cpu.max", encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count >= 2, let quota = Double(parts[0]), let period = Double(parts[1]), period > 0 else {
            return nil
        }
        return quota / period
    }
}
