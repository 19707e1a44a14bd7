import Foundation

/// The bytes a run will allocate, compared with what the process may use before anything
/// is allocated: too much is a clear error with both numbers and a hint, never a trap in an
/// allocator or a visit from the OOM killer.
///
/// What the process may use is the smallest of `MemAvailable` (/proc/meminfo), the cgroup's
/// limit less its usage (v2 `memory.max`, v1 `memory.limit_in_bytes`), and
/// `DESCENT_MEMORY_LIMIT` (bytes, or with a K, M, G or T suffix) when set.
package enum MemoryBudget {
    /// One part of a run's memory.
    package struct Item: Sendable, Equatable {
        package var name: String
        /// nil when the size overflows a 64-bit count.
        package var bytes: Int?
        package init(_ name: String, _ bytes: Int?) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The product of `factors`, or nil when it overflows.
    package static func product(_ factors: Int...) -> Int? {
        var total = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// The sum of `terms`, or nil when one is nil or the sum overflows.
    package static func sum(_ terms: Int?...) -> Int? {
        var total = 0
        for term in terms {
            guard let term else { return nil }
            let (s, overflow) = total.addingReportingOverflow(term)
            if overflow { return nil }
            total = s
        }
        return total
    }

    /// Bytes of a dataset of `rows` rows (features and label, padded to whole chunks).
    package static func datasetBytes(rows: Int, features: Int, scalarBytes: Int) -> Int? {
        let chunk = ChunkPlan.defaultChunkRows
        guard rows >= 0, rows <= Int.max - chunk else { return nil }
        let padded = (rows + chunk - 1) / chunk * chunk
        guard features < Int.max else { return nil }
        return product(padded, features + 1, scalarBytes)
    }

    /// What the process may still allocate, and where the figure comes from.
    package static func available() -> (bytes: Int, source: String) {
        var best = (bytes: Int.max, source: "no limit found")
        func consider(_ bytes: Int?, _ source: String) {
            if let bytes, bytes < best.bytes { best = (max(0, bytes), source) }
        }
        if let text = ProcessInfo.processInfo.environment["DESCENT_MEMORY_LIMIT"] {
            consider(parseBytes(text), "DESCENT_MEMORY_LIMIT")
        }
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        {
            consider(
                kib.multipliedReportingOverflow(by: 1024).overflow ? nil : kib * 1024, "MemAvailable in /proc/meminfo")
        }
        // cgroup v2: the process's group is named in /proc/self/cgroup as 0::/path.
        if let groups = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
            let line = groups.split(separator: "\n").first(where: { $0.hasPrefix("0::") })
        {
            let path = "/sys/fs/cgroup" + String(line.dropFirst(3))
            if let limit = readInt(path + "/memory.max"), let used = readInt(path + "/memory.current") {
                consider(limit - used, "the cgroup limit (\(path)/memory.max less memory.current)")
            }
        }
        if let limit = readInt("/sys/fs/cgroup/memory/memory.limit_in_bytes"), limit < 1 << 60,
            let used = readInt("/sys/fs/cgroup/memory/memory.usage_in_bytes")
        {
            consider(limit - used, "the cgroup limit (memory.limit_in_bytes less memory.usage_in_bytes)")
        }
        return best
    }

    /// Throws when the items need more than ``available()``.
    ///
    /// - Parameters:
    ///   - items: the parts of the run's memory.
    ///   - hint: what the user can change, for example "use fewer --samples".
    package static func check(_ items: [Item], hint: String) throws {
        let parts = items.filter { ($0.bytes ?? 1) > 0 }
        let listed = parts.map { "\($0.name) \($0.bytes.map(format) ?? "more than 2^63 bytes")" }.joined(
            separator: ", ")
        var total = 0
        for item in parts {
            guard let b = item.bytes, !total.addingReportingOverflow(b).overflow else {
                throw DescentError.configuration(
                    "the run would need more than 2^63 bytes of memory (\(listed)), more than any machine has; \(hint)")
            }
            total += b
        }
        if let text = ProcessInfo.processInfo.environment["DESCENT_MEMORY_LIMIT"], parseBytes(text) == nil {
            throw DescentError.configuration(
                "DESCENT_MEMORY_LIMIT='\(text)' is not a byte count; give whole bytes or a whole number with K, M, G or T, for example 8G"
            )
        }
        let (available, source) = available()
        if total > available {
            throw DescentError.configuration(
                "the run needs about \(format(total)) of memory (\(listed)) but \(format(available)) is available (\(source)); \(hint)"
            )
        }
    }

    /// "1.5 GiB", "320.0 MiB", "12 bytes".
    package static func format(_ bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = -1
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit < 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    static func parseBytes(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let shifts: [Character: Int] = ["K": 10, "M": 20, "G": 30, "T": 40]
        if let last = t.last, let shift = shifts[last], let n = Int(t.dropLast()), n >= 0, n < (1 << (62 - shift)) {
            return n << shift
        }
        return Int(t).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func readInt(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
