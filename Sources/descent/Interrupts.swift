import Descent
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Signals and standard output, handled so that no run loses or mixes its files.
///
/// SIGINT, SIGTERM and SIGHUP are blocked in every thread and taken by one thread waiting in
/// `sigwait`, which does not depend on the dispatch pool the kernels keep busy. On a signal
/// it ends the run's ``RunFolder`` (its staging folder is removed, or kept when it holds a
/// checkpoint to resume) and exits with 128 + the signal, within one system call of the
/// signal. SIGPIPE is ignored: a closed standard output (`descent train ... | head -1`) no
/// longer kills the run before its files exist; the write error is reported at the end.
enum Interrupts {
    final class Watched: @unchecked Sendable {
        let lock = NSLock()
        var folder: RunFolder?
        var file: String?
    }
    static let watched = Watched()

    /// Blocks the signals and starts the waiting thread. Call first in a command's `run`,
    /// before any other thread exists, so that every later thread inherits the mask.
    static func install() {
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let signals = set
        let thread = Thread {
            var wanted = signals
            var received: Int32 = 0
            while sigwait(&wanted, &received) != 0 {}
            handle(received)
        }
        thread.start()
    }

    /// Creates a run's folder (`make`) and watches it, holding the signal thread off
    /// meanwhile: a signal that arrives after `make` created the staging folder but before it
    /// returned is handled once the folder is watched, so the staging folder is removed (or
    /// kept, with a checkpoint) instead of left behind.
    static func watching(_ make: () throws -> RunFolder) rethrows -> RunFolder {
        watched.lock.lock()
        defer { watched.lock.unlock() }
        let folder = try make()
        FaultInjection.signalAfterStaging()
        watched.folder = folder
        return folder
    }

    /// Ends `folder` if a signal arrives before the run commits it.
    static func watch(_ folder: RunFolder?) {
        watched.lock.lock()
        watched.folder = folder
        watched.lock.unlock()
    }

    /// Removes the temporary `file` if a signal arrives before it is renamed into place.
    static func watch(file: String?) {
        watched.lock.lock()
        watched.file = file
        watched.lock.unlock()
    }

    static func handle(_ signal: Int32) {
        watched.lock.lock()
        let folder = watched.folder
        if let file = watched.file { unlink(file) }
        watched.lock.unlock()
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "SIGHUP"
        if let folder {
            switch folder.abandon() {
            case .kept where FileManager.default.fileExists(atPath: folder.path(Checkpoint.fileName)):
                note(
                    "[INFO] \(name): stopped; the last checkpoint is in \(folder.staging); continue with: descent train --resume \(folder.target)"
                )
            case .kept: note("[INFO] \(name): stopped; the finished run's files are in \(folder.staging)")
            case .removed: note("[INFO] \(name): stopped; \(folder.target) is unchanged")
            case .committed: note("[INFO] \(name): stopped after the run was written to \(folder.target)")
            }
        }
        _exit(128 + signal)
    }
}

extension Exit {
    /// Fails when anything written to standard output was lost (a full disk, a closed pipe):
    /// the command's result did not reach its reader.
    static func checkStandardOutput() throws {
        if let reason = StandardOutput.flush() {
            throw DescentError.output("cannot write standard output (\(reason)); the printed report is incomplete")
        }
    }
}
