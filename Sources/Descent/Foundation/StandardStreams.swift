import CDescentSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Standard output through C's stdio, whose write errors `print` does not report: written
/// here, they are found by ``flush()`` at the end of a command, which then exits 4.
package enum StandardOutput {
    /// Writes `data` (buffered, after whatever `print` buffered before it).
    package static func write(_ data: Data) {
        data.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            descent_write_stdout(base, bytes.count)
        }
    }

    /// Flushes standard output; returns why some of what was written to it was lost (a full
    /// disk, a closed pipe), or nil when all of it arrived.
    package static func flush() -> String? {
        let code = descent_flush_stdout()
        return code == 0 ? nil : String(cString: strerror(code))
    }
}

/// Standard error, written so that a full, closed or broken stream loses the text and never
/// the run (Foundation's `FileHandle.write` traps on a failed write).
package enum StandardError {
    /// Writes `text`, unbuffered; a write that fails is dropped.
    package static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                offset += n
            }
        }
    }
}

/// The three standard descriptors.
package enum StandardStreams {
    /// Opens `/dev/null` on standard input, output or error where the process was started with
    /// one closed (`2>&-`): else the next file the run opens would take that descriptor and
    /// receive the messages meant for the stream. Call first, before any file is opened.
    package static func reserveClosedDescriptors() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO]
        where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if opened >= 0 && opened != descriptor {
                dup2(opened, descriptor)
                close(opened)
            }
        }
    }
}
