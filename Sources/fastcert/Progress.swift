import Foundation

/// Progress on standard error: a bar with count, rate and ETA on a terminal, a line every few
/// seconds otherwise. The rate counts photos checked (not those skipped as already enrolled).
final class Progress: @unchecked Sendable {
    let total: Int
    let enabled: Bool
    let terminal = isatty(STDERR_FILENO) == 1
    let started = ContinuousClock.now
    var done = 0
    var processed = 0
    var lastLine = ContinuousClock.now

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    var seconds: Double { (ContinuousClock.now - started).inSeconds }

    func advance(by photos: Int, skipped: Bool) {
        done += photos
        if !skipped { processed += photos }
        guard enabled else { return }
        let rate = seconds > 0 ? Double(processed) / seconds : 0
        let remaining = total - done
        let eta = rate > 0 ? Int(Double(remaining) / rate) : 0
        let etaText = String(format: "%d:%02d", eta / 60, eta % 60)
        if terminal {
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let text = "[\(bar)] \(done)/\(total) photos  " + String(format: "%.1f/s", rate) + "  ETA \(etaText)"
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
        } else if ContinuousClock.now - lastLine > .seconds(5) || done == total {
            lastLine = ContinuousClock.now
            let percent = total > 0 ? 100 * done / total : 100
            FileHandle.standardError.write(
                Data(
                    ("progress: \(done)/\(total) photos (\(percent)%), " + String(format: "%.1f photos/s", rate) + ", ETA \(etaText)\n")
                        .utf8))
        }
    }

    /// Clears the bar before a line is printed over it.
    func clear() {
        guard enabled && terminal else { return }
        fflush(nil)
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    func finish() {
        guard enabled && terminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
