import Foundation

/// Runs Python 3 scripts for tests that need files written by real writers (numpy, pandas,
/// the csv module) or numpy's arithmetic as a reference.
public enum Python {
    /// Why the modules cannot be used (python3 or a module missing), or nil when they can.
    public static func unavailable(_ modules: [String]) -> String? {
        let check = modules.map { "import \($0)" }.joined(separator: "; ")
        guard let result = try? run(check), result.status == 0 else {
            return "python3 with \(modules.joined(separator: ", ")) is not installed (pip install \(modules.joined(separator: " ")))"
        }
        return nil
    }

    /// Runs `script` with `python3 -c` in `directory`.
    public static func run(_ script: String, in directory: URL? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        if let directory { process.currentDirectoryURL = directory }
        let scratch = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return CLIResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
