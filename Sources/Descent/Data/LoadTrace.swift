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
        phases.append("\(phase) \(Double(now - last) / 1e6) ms (RSS \(LoadTrace.residentMegabytes()) MB)")
        last = now
    }

    /// This process's resident memory (`/proc/self/statm`), 0 where unavailable.
    static func residentMegabytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0
        var resident = 0
        guard
            withUnsafeMutablePointer(
                to: &size,
                { s in
                    withUnsafeMutablePointer(to: &resident) { r in
                        withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
                    }
                }) == 2
        else { return 0 }
        return resident * 4096 / 1_000_000
    }

    func finish() {
        guard enabled else { return }
        mark("rest")
        let line = "[TRACE] load: " + phases.joined(separator: ", ") + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
