import Descent
import Dispatch
import Foundation

/// Progress for long runs: a status line rewritten in place on a terminal, plain lines every
/// `plainInterval` seconds otherwise. Written to standard error; quiet for short runs.
final class Progress {
    let total: Int
    let rowsPerEpoch: Int
    let started = DispatchTime.now().uptimeNanoseconds
    let terminal = isatty(STDERR_FILENO) != 0
    let plainInterval = 10.0
    var lastDraw = 0.0
    var drewLine = false

    init(totalEpochs: Int, rowsPerEpoch: Int) {
        total = totalEpochs
        self.rowsPerEpoch = rowsPerEpoch
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }

    func update(epoch: Int, loss: Double) {
        let now = elapsed
        let interval = terminal ? 0.25 : plainInterval
        guard now - lastDraw >= interval || (drewLine && epoch == total) else { return }
        guard now >= 1 || drewLine else { return }  // runs under a second show nothing
        lastDraw = now
        let rate = Double(rowsPerEpoch * epoch) / max(now, 1e-9)
        let remaining = now / Double(epoch) * Double(total - epoch)
        let text =
            "epoch \(epoch)/\(total)  loss \(String(format: "%.7g", loss))  \(Format.rate(rate)) rows/s  elapsed \(Format.duration(now))  remaining \(Format.duration(remaining))"
        if terminal {
            StandardError.write("\r\u{1B}[K\(text)")
        } else {
            note("[PROGRESS] " + text)
        }
        drewLine = true
    }

    func finish() {
        if terminal && drewLine { StandardError.write("\r\u{1B}[K") }
    }
}

enum Format {
    static func rate(_ value: Double) -> String {
        switch value {
        case 1e9...: return String(format: "%.2f G", value / 1e9)
        case 1e6...: return String(format: "%.1f M", value / 1e6)
        case 1e3...: return String(format: "%.1f k", value / 1e3)
        default: return String(format: "%.0f", value)
        }
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}
