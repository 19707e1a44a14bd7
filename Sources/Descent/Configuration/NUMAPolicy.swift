/// How shard buffers are placed on NUMA nodes (`--numa`).
public enum NUMAPolicy: String, Sendable, CaseIterable {
    /// Each shard on the node of the CPUs that process it, when there are several nodes.
    case auto
    /// Plain allocation; the kernel places pages where they are first touched.
    case off
    /// Pages spread round-robin over all nodes (for comparison).
    case interleave
}
