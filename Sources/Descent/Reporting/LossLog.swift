import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `loss.csv`, streamed as epochs finish: a long run's history is on disk, not in memory.
///
/// Lines are buffered and written when 64 KiB have gathered, a second has passed, at a
/// checkpoint and at the end, so a run of a billion tiny epochs does not make a billion
/// system calls and `tail -f` still sees progress.
package final class LossLog {
    package static let header = "epoch,loss,learning_rate,validation_loss,seconds\n"
    package let path: String
    let descriptor: Int32
    var buffer: [UInt8] = []
    var lastFlush = DispatchTime.now().uptimeNanoseconds
    /// Bytes of the file once the buffer is written.
    package private(set) var byteCount: Int

    /// Creates `path` with the header line, or with `resumingAt`, keeps its first that many
    /// bytes (the epochs up to a checkpoint) and appends after them.
    package init(path: String, resumingAt length: Int? = nil) throws {
        self.path = path
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (length == nil ? O_TRUNC : 0)
        descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else {
            throw DescentError.output("\(path): cannot write (\(String(cString: strerror(errno))))")
        }
        if let length {
            guard ftruncate(descriptor, off_t(length)) == 0, lseek(descriptor, off_t(length), SEEK_SET) == off_t(length)
            else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw DescentError.output("\(path): cannot cut back to the checkpoint (\(reason))")
            }
            byteCount = length
        } else {
            byteCount = 0
            buffer.append(contentsOf: LossLog.header.utf8)
            byteCount = buffer.count
        }
    }

    deinit { close(descriptor) }

    /// The line of one epoch.
    package static func line(_ r: EpochRecord) -> String {
        "\(r.epoch),\(r.loss),\(r.learningRate),\(r.validationLoss.map { "\($0)" } ?? ""),\(String(format: "%.6f", r.seconds))\n"
    }

    package func append(_ record: EpochRecord) throws {
        let line = LossLog.line(record)
        buffer.append(contentsOf: line.utf8)
        byteCount += line.utf8.count
        let now = DispatchTime.now().uptimeNanoseconds
        if buffer.count >= 1 << 16 || now - lastFlush >= 1_000_000_000 { try flush() }
    }

    /// Writes the buffered lines.
    package func flush() throws {
        lastFlush = DispatchTime.now().uptimeNanoseconds
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DescentError.output(
                    "\(path): cannot write (\(String(cString: strerror(errno)))); free some space or choose another --output"
                )
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with each record of the first `bytes` bytes of a `loss.csv` (to rebuild
    /// the plotted curve when a run resumes), reading 1 MiB at a time: a long run's history
    /// is never held in memory.
    package static func forEachRecord(inFile path: String, bytes: Int, _ body: (EpochRecord) -> Void) throws {
        func damaged(_ what: String) -> DescentError {
            .input(
                "\(path): \(what); the interrupted run's folder was changed, so it cannot be resumed: start again with --overwrite"
            )
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw damaged("missing") }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        var remaining = bytes
        var sawHeader = false
        func line(_ text: Substring) throws {
            guard sawHeader else {
                guard text + "\n" == LossLog.header else { throw damaged("the first line is not the loss.csv header") }
                sawHeader = true
                return
            }
            let f = text.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == 5, let epoch = Int(f[0]), let loss = Double(f[1]), let rate = Double(f[2]),
                let seconds = Double(f[4])
            else {
                throw damaged("line '\(text)' is not epoch,loss,learning_rate,validation_loss,seconds")
            }
            body(
                EpochRecord(
                    epoch: epoch, loss: loss, learningRate: rate, validationLoss: f[3].isEmpty ? nil : Double(f[3]),
                    seconds: seconds))
        }
        while remaining > 0 {
            guard let chunk = try handle.read(upToCount: min(remaining, 1 << 20)), !chunk.isEmpty else {
                throw damaged("shorter than the checkpoint says (\(bytes) bytes)")
            }
            remaining -= chunk.count
            pending.append(contentsOf: chunk)
            var start = 0
            while let newline = pending[start...].firstIndex(of: 10) {
                try line(Substring(decoding: pending[start..<newline], as: UTF8.self))
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        guard pending.isEmpty, sawHeader else { throw damaged("the checkpoint does not end at a line end") }
    }
}

/// The epochs kept for `loss.svg`: every epoch up to `limit` points, then every 2nd, 4th, ...
/// (the stride doubles each time the points pass the limit), and always the last. Memory is
/// bounded whatever the number of epochs, and the points depend only on the epochs seen, so
/// a resumed run draws the same curve.
package struct LossCurve: Sendable {
    package let limit: Int
    package private(set) var stride = 1
    var kept: [EpochRecord] = []
    package private(set) var last: EpochRecord?

    package init(limit: Int = 4096) { self.limit = max(2, limit) }

    package mutating func append(_ record: EpochRecord) {
        last = record
        guard (record.epoch - 1) % stride == 0 else { return }
        kept.append(record)
        if kept.count > limit {
            stride *= 2
            kept.removeAll { ($0.epoch - 1) % stride != 0 }
        }
    }

    /// The points to draw, in epoch order.
    package var records: [EpochRecord] {
        guard let last, kept.last?.epoch != last.epoch else { return kept }
        return kept + [last]
    }
}
