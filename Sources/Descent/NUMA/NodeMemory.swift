import Synchronization

#if os(Linux)
import CNuma
import Glibc
#else
import Darwin
#endif

/// Where a buffer's pages were asked to live.
package enum MemoryPlacement: Sendable, Equatable {
    /// Plain allocation (first touch decides).
    case anywhere
    /// Bound to one node (`numa_alloc_onnode`).
    case node(Int)
    /// Interleaved over all nodes (`numa_alloc_interleaved`).
    case interleaved
}

/// A page-aligned buffer placed by libnuma, freed with the call that matches its allocation.
///
/// Every allocation and free is counted in ``NodeMemory/liveBytes`` so tests can check that
/// repeated training returns all memory.
package final class NodeBuffer: @unchecked Sendable {
    package let pointer: UnsafeMutableRawPointer
    package let byteCount: Int
    package let placement: MemoryPlacement
    let usesLibnuma: Bool
    /// Buffers at least this large are advised to use transparent huge pages.
    static let hugePageBytes = 2 << 20

    /// Allocates `byteCount` bytes (at least one page) with the given placement. Pages are
    /// not touched here: the caller writes them from a thread on the right node.
    package init(byteCount: Int, placement: MemoryPlacement) {
        let bytes = max(byteCount, 1)
        self.byteCount = bytes
        self.placement = placement
        var raw: UnsafeMutableRawPointer?
        var libnuma = false
        #if os(Linux)
        if Topology.current.libnumaActive {
            switch placement {
            case .node(let node):
                raw = numa_alloc_onnode(bytes, Int32(node))
                libnuma = raw != nil
            case .interleaved:
                raw = numa_alloc_interleaved(bytes)
                libnuma = raw != nil
            case .anywhere:
                break
            }
        }
        #endif
        if raw == nil {
            var aligned: UnsafeMutableRawPointer?
            let rc = posix_memalign(&aligned, 4096, bytes)
            precondition(
                rc == 0 && aligned != nil, "posix_memalign failed for \(bytes) bytes (error \(rc)): out of memory")
            raw = aligned
        }
        pointer = raw!
        usesLibnuma = libnuma
        #if os(Linux)
        // Large buffers ask for transparent huge pages: shuffled SGD reads rows at random,
        // and with 4 KiB pages nearly every such read also misses the TLB.
        if bytes >= NodeBuffer.hugePageBytes {
            _ = madvise(raw!, bytes, MADV_HUGEPAGE)
        }
        #endif
        NodeMemory.allocatedBytes.add(bytes, ordering: .relaxed)
    }

    deinit {
        #if os(Linux)
        if usesLibnuma {
            numa_free(pointer, byteCount)
        } else {
            free(pointer)
        }
        #else
        free(pointer)
        #endif
        NodeMemory.freedBytes.add(byteCount, ordering: .relaxed)
    }
}

/// Process-wide counters of NUMA buffer allocations.
package enum NodeMemory {
    static let allocatedBytes = Atomic<Int>(0)
    static let freedBytes = Atomic<Int>(0)

    /// Bytes allocated through ``NodeBuffer`` so far.
    package static var totalAllocated: Int { allocatedBytes.load(ordering: .relaxed) }
    /// Bytes freed through ``NodeBuffer`` so far.
    package static var totalFreed: Int { freedBytes.load(ordering: .relaxed) }
    /// Bytes held by live ``NodeBuffer``s.
    package static var liveBytes: Int { totalAllocated - totalFreed }

    /// The node that holds the page at `address`, asked of the kernel with
    /// `get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR)`; nil off Linux or when the call fails
    /// (for example before the page was touched).
    package static func nodeOfPage(_ address: UnsafeRawPointer) -> Int? {
        #if os(Linux)
        let node = cnuma_node_of_address(UnsafeMutableRawPointer(mutating: address))
        return node >= 0 ? Int(node) : nil
        #else
        return nil
        #endif
    }

    /// The page size of this machine.
    package static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }
}
