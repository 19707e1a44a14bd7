import Dispatch

#if os(Linux)
import CNuma
import Glibc
#endif

/// Runs one closure per shard with `DispatchQueue.concurrentPerform`, binding each
/// iteration's thread to its shard's NUMA node first.
///
/// The executor decides only who computes what; kernels write each chunk's partial to its
/// own slot and the caller reduces them in a fixed order after `run` returns. No barrier is
/// ever placed inside the iterations (libdispatch does not promise they all run at once).
public struct ShardedExecutor: Sendable {
    /// The number of iterations a full pass is split into; any value >= 1 gives the same bits.
    public let threads: Int

    public init(threads: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        self.threads = threads
    }

    /// Calls `body(i)` for i in 0..<iterations, concurrently when iterations > 1.
    ///
    /// - Parameters:
    ///   - iterations: how many times to call `body`.
    ///   - node: the NUMA node iteration i should run on, or nil for no binding.
    ///   - body: the work of iteration i.
    @inlinable
    public func run(iterations: Int, node: (Int) -> Int? = { _ in nil }, _ body: (Int) -> Void) {
        if iterations == 1 {
            if let target = node(0) { ShardedExecutor.bindCurrentThread(toNode: target) }
            body(0)
            return
        }
        withoutActuallyEscaping(body) { body in
            withoutActuallyEscaping(node) { node in
                let box = UncheckedBox((body, node))
                DispatchQueue.concurrentPerform(iterations: iterations) { i in
                    if let target = box.value.1(i) { ShardedExecutor.bindCurrentThread(toNode: target) }
                    box.value.0(i)
                }
            }
        }
    }

    /// Binds the calling thread to `node` with `numa_run_on_node`, remembering the binding
    /// per thread so that a thread already on the right node pays nothing.
    public static func bindCurrentThread(toNode node: Int) {
        #if os(Linux)
        let current = Int(bitPattern: pthread_getspecific(boundNodeKey))
        if current == node + 1 { return }
        if numa_run_on_node(Int32(node)) == 0 {
            pthread_setspecific(boundNodeKey, UnsafeRawPointer(bitPattern: node + 1))
        }
        #endif
    }

    #if os(Linux)
    static let boundNodeKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    #endif
}
