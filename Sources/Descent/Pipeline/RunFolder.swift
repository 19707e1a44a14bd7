import CDescentSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An output folder written as a unit.
///
/// A run writes into a staging folder beside the target, `DIR.partial`, held under an
/// exclusive lock (`flock`) for as long as the run lives, and moves it into place at the end
/// with one atomic exchange (`renameat2(RENAME_EXCHANGE)`, or two renames where the file
/// system lacks it). So `DIR` always holds one complete run, the previous one or the new
/// one, never a mix, and two runs cannot write one folder at once.
///
/// Everything is checked when the folder is opened, before any data is made or any training
/// starts: the path, that it is a folder Descent wrote (a folder with other files is never
/// replaced), that an earlier run is replaced only with `overwrite`, and that the staging
/// folder can be created (so the parent is writable).
package final class RunFolder: @unchecked Sendable {
    /// The folder the user named, without trailing slashes.
    package let target: String
    /// Where the run's files are written until ``commit()``.
    package let staging: String
    /// Whether an interrupted run keeps its staging folder (it holds a checkpoint to resume).
    package var keepsStagingOnInterrupt = false
    let lockDescriptor: Int32
    let mutex = NSLock()
    var finished = false
    var committedAlready = false
    /// Set once a finished run is being moved into place: nothing of it is deleted after that.
    var keepsWholeStaging = false

    /// The staging folder of `target`.
    package static func stagingPath(of target: String) -> String { normalized(target) + ".partial" }

    /// The folder above `path` ("" for a bare name) and the last component. (Foundation's
    /// `deletingLastPathComponent` traps on some one-letter names on Linux.)
    static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let parent = String(path[..<slash])
        return (parent.isEmpty ? "/" : parent, String(path[path.index(after: slash)...]))
    }

    /// `path` without trailing slashes.
    package static func normalized(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// Opens `target` for a new run (or, with `resume`, for the run whose checkpoint is in
    /// its staging folder).
    ///
    /// - Parameters:
    ///   - path: the folder the user named.
    ///   - overwrite: whether an earlier run in it (or a checkpoint beside it) may be replaced.
    ///   - resume: open the folder of an interrupted run to continue it from its checkpoint.
    ///   - flag: the option that named the folder, for messages.
    ///   - owns: whether a file name is one this kind of run writes; a folder holding other
    ///     files is refused even with `overwrite`, so a mistyped `--output` never deletes a
    ///     user's files.
    /// - Throws: ``DescentError/output(_:)`` saying what is wrong with the folder and what to do.
    package init(
        target path: String, overwrite: Bool, resume: Bool = false, flag: String = "--output",
        owns: (String) -> Bool
    ) throws {
        func fail(_ message: String) -> DescentError { .output(message) }
        guard !path.isEmpty else {
            throw fail("\(flag) is empty; name a folder for the run's files, for example \(flag) runs/first")
        }
        let target = RunFolder.normalized(path)
        let (parent, name) = RunFolder.split(target)
        guard !name.isEmpty, name != ".", name != "..", name != "/" else {
            throw fail(
                "\(flag) '\(path)' names no new folder (the run's files are written beside it first and moved into place); name a folder inside it, for example \(flag) \(target == "/" ? "" : target + "/")run"
            )
        }
        self.target = target
        staging = target + ".partial"
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        // A symbolic link would be replaced by the folder, not followed: refuse it (and one in
        // place of the staging folder, whose contents a run clears).
        for path in [target, staging] where RunFolder.isSymbolicLink(path) {
            throw fail("\(path): is a symbolic link; name the folder it points to with \(flag)")
        }
        if manager.fileExists(atPath: target, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw fail("\(target): exists and is not a folder; choose another \(flag)")
            }
            guard let entries = try? manager.contentsOfDirectory(atPath: target) else {
                throw fail("\(target): cannot list the folder (permissions?); choose another \(flag)")
            }
            let foreign = entries.filter { !owns($0) && !RunFolder.isLeftover($0) }.sorted()
            if !foreign.isEmpty {
                throw fail(
                    "\(target): holds files Descent did not write (\(foreign.prefix(5).joined(separator: ", "))\(foreign.count > 5 ? ", ..." : "")); choose a new or empty folder for \(flag)"
                )
            }
            if !entries.isEmpty && !overwrite && !resume {
                let started = RunFolder.startTime(ofRunIn: target).map { " (started \($0))" } ?? ""
                throw fail(
                    "\(target): holds an earlier run's outputs\(started); add --overwrite to replace them when this run finishes, or choose another \(flag)"
                )
            }
            if access(target, W_OK) != 0 {
                throw fail(
                    "\(target): the folder is not writable (\(String(cString: strerror(errno)))); choose another \(flag)"
                )
            }
        } else {
            if !parent.isEmpty && !manager.fileExists(atPath: parent) {
                do { try manager.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
                    throw fail(
                        "\(target): cannot create its parent folder \(parent) (\(RunFolder.reason(error))); choose another \(flag)"
                    )
                }
            }
        }
        // The staging folder: create it, or take over a stale one. Every check that can fail
        // comes before the lock is kept, so a refused run never removes anything.
        if resume && !manager.fileExists(atPath: staging + "/" + Checkpoint.fileName) {
            throw fail(
                "\(target): no interrupted run to resume (\(staging) holds no \(Checkpoint.fileName)); a run is resumable when it was started with --checkpoint-every N and --output \(target)"
            )
        }
        if mkdir(staging, 0o755) != 0 {
            let code = errno
            guard code == EEXIST else {
                throw fail(
                    "\(target): cannot create \(staging) beside it (\(String(cString: strerror(code)))); check that the folder above is writable, or choose another \(flag)"
                )
            }
            guard manager.fileExists(atPath: staging, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw fail(
                    "\(staging): exists and is not a folder, so \(target) cannot be staged beside it; remove it or choose another \(flag)"
                )
            }
        }
        let descriptor = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw fail("\(staging): cannot open (\(String(cString: strerror(errno))))") }
        // The lock must be on the folder that is at the path now: another run may have moved
        // or removed the one opened (its commit or abandon) between the open and the lock.
        var opened = stat()
        var now = stat()
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0, fstat(descriptor, &opened) == 0, lstat(staging, &now) == 0,
            opened.st_dev == now.st_dev, opened.st_ino == now.st_ino
        else {
            close(descriptor)
            throw fail(
                "\(target): another descent run is writing it now (its files are in \(staging)); wait for it to finish or choose another \(flag)"
            )
        }
        let stale = (try? manager.contentsOfDirectory(atPath: staging)) ?? []
        let strangers = stale.filter { !owns($0) && !RunFolder.isLeftover($0) }.sorted()
        if !strangers.isEmpty {
            close(descriptor)
            throw fail(
                "\(staging): holds files Descent did not write (\(strangers.prefix(5).joined(separator: ", "))); a run stages its files there, so move them or choose another \(flag)"
            )
        }
        if !resume && stale.contains(Checkpoint.fileName) && !overwrite {
            close(descriptor)
            let epoch = (try? Checkpoint.epoch(inFolder: staging)).map { " at epoch \($0)" } ?? ""
            throw fail(
                "\(target): an interrupted run left a checkpoint\(epoch) in \(staging); continue it with `descent train --resume \(target)`, or add --overwrite to discard it"
            )
        }
        for entry in stale where !resume || RunFolder.isLeftover(entry) {
            try? manager.removeItem(atPath: staging + "/" + entry)
        }
        lockDescriptor = descriptor
        keepsStagingOnInterrupt = resume
    }

    deinit {
        if !finished { abandon() }
    }

    /// The path of `name` inside the staging folder.
    package func path(_ name: String) -> String { staging + "/" + name }

    /// Writes `name` into the staging folder atomically.
    package func write(_ name: String, _ data: Data) throws { try AtomicFile.write(data, to: path(name)) }

    /// Moves the staging folder into place (replacing the previous run as one step); the
    /// checkpoint is dropped, since the run it would resume is complete.
    package func commit() throws {
        mutex.lock()
        defer { mutex.unlock() }
        guard !finished else { return }
        // Whatever goes wrong below, the finished run's files stay in the staging folder.
        keepsStagingOnInterrupt = true
        keepsWholeStaging = true
        if rename(staging, target) != 0 {
            let code = errno
            guard code == ENOTEMPTY || code == EEXIST else {
                throw DescentError.output(
                    "\(target): cannot move the finished run into place (\(String(cString: strerror(code)))); its files are in \(staging)"
                )
            }
            if descent_exchange_paths(staging, target) == 0 {
                // The staging path now holds the previous run.
                try? FileManager.default.removeItem(atPath: staging)
            } else {
                let (parent, name) = RunFolder.split(target)
                let aside = (parent.isEmpty ? "" : parent + "/") + ".\(name).replaced-\(getpid())"
                guard rename(target, aside) == 0 else {
                    throw DescentError.output(
                        "\(target): cannot replace the previous run (\(String(cString: strerror(errno)))); the new run's files are in \(staging)"
                    )
                }
                guard rename(staging, target) == 0 else {
                    let reason = String(cString: strerror(errno))
                    _ = rename(aside, target)
                    throw DescentError.output(
                        "\(target): cannot move the finished run into place (\(reason)); its files are in \(staging)")
                }
                try? FileManager.default.removeItem(atPath: aside)
            }
        }
        // The checkpoint goes only now that the finished run is in place (a kill before this
        // point leaves a run that can still be resumed or is complete).
        try? FileManager.default.removeItem(atPath: target + "/" + Checkpoint.fileName)
        close(lockDescriptor)
        finished = true
        committedAlready = true
    }

    /// What ``abandon()`` did.
    package enum Ending: Sendable, Equatable {
        /// The run had already been moved into place.
        case committed
        /// The staging folder was kept: it holds a checkpoint, or a finished run that could
        /// not be moved into place.
        case kept
        /// The staging folder was removed; the target is as it was.
        case removed
    }

    /// Ends a run that will not commit: the staging folder is removed unless it holds a
    /// checkpoint to resume from and ``keepsStagingOnInterrupt`` is set, or a finished run
    /// whose move into place failed.
    @discardableResult
    package func abandon() -> Ending {
        mutex.lock()
        defer { mutex.unlock() }
        guard !finished else { return committedAlready ? .committed : .removed }
        finished = true
        committedAlready = false
        let keep =
            keepsWholeStaging
            || (keepsStagingOnInterrupt && FileManager.default.fileExists(atPath: path(Checkpoint.fileName)))
        if keep {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
            where RunFolder.isLeftover(entry) {
                try? FileManager.default.removeItem(atPath: path(entry))
            }
        } else {
            try? FileManager.default.removeItem(atPath: staging)
        }
        close(lockDescriptor)
        return keep ? .kept : .removed
    }

    static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// Temporary files of an interrupted atomic write (`.NAME.tmp-PID`).
    static func isLeftover(_ name: String) -> Bool { name.hasPrefix(".") && name.contains(".tmp-") }

    static func startTime(ofRunIn folder: String) -> String? {
        guard let data = FileManager.default.contents(atPath: folder + "/metrics.json"),
            let value = try? JSONParser.parse(data),
            let run = try? JSONFields(value, fail: { DescentError.input($0) }).fields("run")
        else { return nil }
        return try? run.string("started")
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
