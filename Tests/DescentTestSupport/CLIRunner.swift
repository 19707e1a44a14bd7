import Foundation

/// Runs the built `descent` binary (next to the test bundle, or $DESCENT_BINARY) and
/// captures its output.
package struct CLIResult: Sendable {
    package var status: Int32
    package var stdout: String
    package var stderr: String
}

package enum CLI {
    package static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["DESCENT_BINARY"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("descent")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/descent")
    }

    /// The package root (for Configs/).
    package static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    package static func run(_ arguments: [String], in directory: URL? = nil) throws -> CLIResult {
        try runProcess(binary, arguments, in: directory)
    }

    /// Runs `executable` with `arguments` and captures its output and status. Output goes to
    /// files, so a chatty child can never block on a full pipe.
    package static func runProcess(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws -> CLIResult {
        try start(executable, arguments, in: directory, environment: environment).wait()
    }

    /// Starts `descent` with `arguments` (and `environment` added to the test's) without
    /// waiting, so a test can signal it.
    package static func start(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:])
        throws -> RunningProcess
    {
        try start(binary, arguments, in: directory, environment: environment)
    }

    package static func start(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws -> RunningProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let scratch = temporaryDirectory()
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningProcess(process: process, scratch: scratch, out: out, err: err)
    }
}

/// A child process a test started; ``wait()`` collects its status and output.
package final class RunningProcess {
    let process: Process
    let scratch: URL
    let out: FileHandle, err: FileHandle

    init(process: Process, scratch: URL, out: FileHandle, err: FileHandle) {
        self.process = process
        self.scratch = scratch
        self.out = out
        self.err = err
    }

    package var isRunning: Bool { process.isRunning }

    /// Sends `signal` to the process.
    package func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The output written so far.
    package var stdoutSoFar: String {
        (try? String(contentsOf: scratch.appendingPathComponent("stdout"), encoding: .utf8)) ?? ""
    }

    package func wait() throws -> CLIResult {
        process.waitUntilExit()
        try out.close()
        try err.close()
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A process killed by a signal reports 128 + the signal, as a shell does.
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CLIResult(
            status: status,
            stdout: (try? String(contentsOf: scratch.appendingPathComponent("stdout"), encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: scratch.appendingPathComponent("stderr"), encoding: .utf8)) ?? "")
    }
}

extension CLI {
    /// Runs a shell command line in `directory` (for pipes, FIFOs and resource limits); `$D` is
    /// the descent binary.
    package static func shell(_ script: String, in directory: URL) throws -> CLIResult {
        try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "D='\(binary.path)'; " + script], in: directory)
    }
}
