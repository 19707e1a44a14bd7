import Foundation

/// Runs Python 3 scripts for tests that need files written by real writers (numpy, pandas,
/// the csv module) or numpy's arithmetic as a reference.
package enum Python {
    /// Why the modules cannot be used (python3 or a module missing), or nil when they can.
    package static func unavailable(_ modules: [String]) -> String? {
        let check = modules.map { "import \($0)" }.joined(separator: "; ")
        guard let result = try? run(check), result.status == 0 else {
            return
                "python3 with \(modules.joined(separator: ", ")) is not installed (pip install \(modules.joined(separator: " ")))"
        }
        return nil
    }

    /// Runs `script` with `python3 -c` in `directory`.
    package static func run(_ script: String, in directory: URL? = nil) throws -> CLIResult {
        try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script], in: directory)
    }
}
