/// Progress of a long copy: on a terminal one line redrawn in place (bar, bytes, rate, ETA), elsewhere (a log, CI)
/// a plain line every tenth of the way, so a captured log stays readable.
final class FlashProgress {
    private let label: String
    private let total: Int?
    private let terminal: Bool
    private let write: (String) -> Void
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDrawn: ContinuousClock.Instant
    private var lastStep = -1

    init(_ label: String, total: Int?, terminal: Bool, write: @escaping (String) -> Void) {
        self.label = label
        self.total = total
        self.terminal = terminal
        self.write = write
        start = clock.now
        lastDrawn = start
    }

    /// `done` bytes so far.
    func update(_ done: Int) {
        let now = clock.now
        if terminal {
            guard now - lastDrawn >= .milliseconds(200) else { return }
            lastDrawn = now
            write("\r" + line(done, now: now) + "   ")
        } else {
            // Tenths of the total, or every 256 MiB when the size is unknown. The whole is `finish`'s line (with the
            // time taken): printed here too, a log would show 100 % twice.
            if let total, done >= total { return }
            let step = total.map { $0 > 0 ? done * 10 / $0 : 10 } ?? done / (256 << 20)
            guard step > lastStep else { return }
            lastStep = step
            write(line(done, now: now) + "\n")
        }
    }

    /// The last line, with the average rate.
    func finish(_ done: Int) {
        let text = line(done, now: clock.now, final: true)
        write(terminal ? "\r" + text + "   \n" : text + "\n")
    }

    /// The seconds since the start.
    var elapsed: Double { Self.seconds(clock.now - start) }

    func line(_ done: Int, now: ContinuousClock.Instant, final: Bool = false) -> String {
        let seconds = Self.seconds(now - start)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var parts = [label]
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 30)
            let percent = "\(Int(fraction * 100))%"
            parts.append(
                "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] "
                    + String(repeating: " ", count: max(0, 4 - percent.count)) + percent)
            parts.append("\(Self.mebibytes(done)) / \(Self.mebibytes(total))")
        } else {
            parts.append(Self.mebibytes(done))
        }
        parts.append("\(Self.mebibytes(Int(rate)))/s")
        if final {
            parts.append("in \(Self.clockTime(seconds))")
        } else if let total, rate > 0, total > done {
            parts.append("ETA \(Self.clockTime(Double(total - done) / rate))")
        }
        return parts.joined(separator: "  ")
    }

    /// `12.3 MiB`, to a tenth (as `%.1f` rounds it, but for ties).
    static func mebibytes(_ bytes: Int) -> String {
        let tenths = Int((Double(bytes) / 104_857.6).rounded())
        return "\(tenths / 10).\(tenths % 10) MiB"
    }

    /// `m:ss`.
    static func clockTime(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return "\(whole / 60):\(whole % 60 < 10 ? "0" : "")\(whole % 60)"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
