import ArgumentParser
import Descent
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The command-line side of a multi-process run (the MPI build under `mpirun`): one voice
/// (only rank 0 prints and writes files), the same configuration on every rank, and an
/// error on any rank ending every rank at once.
///
/// In the default build, or an MPI build started without `mpirun`, nothing here does
/// anything: the tool is one process.
enum Ranks {
    #if MPI
    nonisolated(unsafe) static var communicator: MPICommunicator?
    #endif
    nonisolated(unsafe) static var group: RankGroup?

    /// Ranks other than 0 say nothing (their errors excepted).
    nonisolated(unsafe) static var quiet = false

    /// Whether this process is one of several ranks.
    static var active: Bool {
        #if MPI
        return communicator != nil
        #else
        return false
        #endif
    }

    /// The number of ranks (1 in one process).
    static var size: Int {
        #if MPI
        return communicator?.size ?? 1
        #else
        return 1
        #endif
    }

    /// Refuses `--checkpoint-every` and `--resume` over several ranks, before any rank
    /// touches the run's folder (a second rank opening it would find it locked by the first
    /// and report that instead). Not a ``CollectiveError``: before the configurations are
    /// compared, a rank cannot know that the others refuse too (an MPMD launch may give
    /// `--resume` to some ranks only), so each rank that refuses says so and ends the job.
    static func refuseCheckpoints() throws {
        guard size > 1 else { return }
        throw DescentError.configuration(
            "--checkpoint-every and --resume are not supported over several MPI ranks yet; run with one rank")
    }

    static var rank: Int {
        #if MPI
        return communicator?.rank ?? 0
        #else
        return 0
        #endif
    }

    /// Starts MPI when `mpirun` launched this process (the MPI build only). Call first in
    /// a command's `run`, after ``Interrupts/install()``.
    static func start() throws {
        #if MPI
        communicator = try MPICommunicator.startIfLaunched()
        if let communicator, communicator.rank != 0 {
            quiet = true
            // Rank 0 alone prints the run; the others' standard output goes nowhere.
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 {
                dup2(null, STDOUT_FILENO)
                close(null)
            }
        }
        #endif
    }

    /// Checks that every rank runs the same configuration (a hash of what the run computes,
    /// gathered from all ranks) and returns the ranks of the run, or nil in one process.
    ///
    /// - Parameters:
    ///   - configuration: this rank's configuration.
    ///   - command: the subcommand, for messages.
    ///   - extra: more text that must match across ranks (a subcommand's own options).
    static func join(_ configuration: RunConfiguration, command: String, extra: String = "") throws -> RankGroup? {
        #if MPI
        guard let communicator else { return nil }
        // The checkpoint interval is not part of the identity, but ranks must agree on it
        // (it is refused over several ranks, and every rank must refuse together).
        let text =
            "\(descentVersion) \(command) \(configuration.identityHash) checkpoint-every \(configuration.checkpointEvery ?? 0) \(extra)"
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hashes = communicator.allGather(hash)
        if let other = hashes.firstIndex(where: { $0 != hashes[0] }) {
            throw CollectiveError(
                message:
                    "the ranks run different configurations: rank \(other)'s hash \(String(hashes[other], radix: 16)) differs from rank 0's \(String(hashes[0], radix: 16)) (descent version, subcommand and every option that changes the result must match on all ranks; only --threads, --numa and --output may differ); refused"
            )
        }
        let threads = Experiment.threadCount(configuration)
        let group = RankGroup(communicator: communicator, threads: threads)
        self.group = group
        if configuration.checkpointEvery != nil && communicator.size > 1 {
            // The ranks agreed on the configuration, so all of them refuse: rank 0 says it.
            throw CollectiveError(
                message:
                    "--checkpoint-every and --resume are not supported over several MPI ranks yet; run with one rank")
        }
        note(
            "[INFO] ranks: \(communicator.size) (threads per rank: \(group.threads.map(String.init).joined(separator: ",")))"
        )
        return group
        #else
        return nil
        #endif
    }

    /// A group of all ranks in which every rank runs `threads` threads (a collective call),
    /// or nil in one process.
    static func group(threads: Int) -> RankGroup? {
        #if MPI
        guard let communicator else { return nil }
        return RankGroup(communicator: communicator, threads: threads)
        #else
        return nil
        #endif
    }

    /// Checks that every rank was started with the same `text` (a subcommand's options).
    static func agree(on text: String, command: String, hint: String = "") throws {
        #if MPI
        guard let communicator else { return }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(descentVersion) \(command) \(text)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let hashes = communicator.allGather(hash)
        if let other = hashes.firstIndex(where: { $0 != hashes[0] }) {
            throw CollectiveError(
                message:
                    "the ranks run different \(command) options: rank \(other)'s hash \(String(hashes[other], radix: 16)) differs from rank 0's \(String(hashes[0], radix: 16))\(hint); refused"
            )
        }
        note("[INFO] ranks: \(communicator.size)")
        #endif
    }

    /// Test-only fault injection: with `DESCENT_TEST_UNREADABLE_ON_RANK=R`, rank R reads
    /// its training file from a path that does not exist (the other ranks read the real
    /// one), so the tests can show that an error on one rank ends them all.
    static func injectedFault(_ configuration: inout RunConfiguration) {
        guard active, let value = ProcessInfo.processInfo.environment["DESCENT_TEST_UNREADABLE_ON_RANK"],
            Int(value) == rank, let path = configuration.trainFile
        else { return }
        configuration.trainFile = path + ".unreadable-on-rank-\(rank)"
    }

    /// Ends a successful run (`MPI_Finalize`).
    static func finish() {
        #if MPI
        communicator?.finalize()
        #endif
    }

    /// Reports `error` and ends every rank with its exit status (`MPI_Abort`); in one
    /// process, returns the exit code to throw.
    static func fail(_ error: Error) -> ExitCode {
        #if MPI
        if let communicator {
            var everyRank = error is CollectiveError
            // The same bits diverge everywhere.
            if let e = error as? DescentError, case .diverged = e { everyRank = true }
            if everyRank && communicator.rank != 0 {
                // Every rank found it; rank 0 says it (after writing the run it keeps) and
                // ends the job, so the others wait here rather than abort mid-write.
                communicator.barrier()
            }
            let code: Int32
            if let exit = error as? ExitCode {
                code = exit.rawValue
            } else {
                let prefix = communicator.size > 1 ? "[rank \(communicator.rank) of \(communicator.size)] " : ""
                let message = "error: \(prefix)\(error)\n"
                StandardError.write(message)
                code = Exit.code(for: error)
            }
            fflush(nil)
            communicator.abort(code: code)
        }
        #endif
        if let exit = error as? ExitCode { return exit }
        return Exit.fail(error)
    }
}

/// An error every rank finds at once (their configurations differ, an option the ranks do
/// not support): rank 0 reports it for all.
struct CollectiveError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
