import Testing

/// What standard error shows when `descent` traps or crashes instead of failing cleanly.
package let crashMarkers = ["Fatal error", "Stack dump", "Current stack trace", "Segmentation"]

/// The crash check: a bad input fails cleanly. `result` exits with `status` (2: bad input or
/// configuration), its standard error says `message`, and nothing on it shows a trap, a crash
/// or a stack trace. `context` (the arguments, say) starts each failure's comment.
package func expectCleanFailure(
    _ result: CLIResult, _ message: String, status: Int32 = 2, context: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let prefix = context.isEmpty ? "" : context + ": "
    #expect(
        result.status == status, "\(prefix)status \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(message), "\(prefix)\(result.stderr)", sourceLocation: sourceLocation)
    for crash in crashMarkers {
        #expect(!result.stderr.contains(crash), "\(prefix)crashed: \(result.stderr)", sourceLocation: sourceLocation)
    }
}

/// Runs `descent` with `arguments`, a bad input, and checks that it is refused before the run
/// starts: the crash check (exit 2, `message`), an `error: ` line on standard error, and no
/// training begun on standard output.
package func expectRefusedBeforeTheRun(
    _ arguments: [String], _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let result = try CLI.run(arguments)
    expectCleanFailure(result, message, status: 2, context: "\(arguments)", sourceLocation: sourceLocation)
    #expect(
        result.stderr.split(separator: "\n").contains { $0.hasPrefix("error: ") }, "\(arguments)",
        sourceLocation: sourceLocation)
    #expect(
        !result.stdout.contains("[INFO] training..."), "\(arguments): rejected before the run starts",
        sourceLocation: sourceLocation)
}
