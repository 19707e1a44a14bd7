import Dispatch
#if os(Linux)
import Glibc
#else
import Darwin
#endif

/// Times the phases of loading a file when the environment has `DESCENT_LOAD_TRACE=1`,
/// printed to standard error (for tuning the loaders; off by default).
final class LoadTrace {
    let enabled = getenv("DESCENT_LOAD_TRACE").map { String(cString: $0) == "1" } ?? false
    var last = DispatchTime.now().uptimeNanoseconds
    var phases: [String] = []

    func mark(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        phases.append("\(phase) \(Double(now - last) / 1e6) ms")
        last = now
    }

    func finish() {
        guard enabled else { return }
        mark("rest")
        let line = "[TRACE] load: " + phases.joined(separator: ", ") + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
