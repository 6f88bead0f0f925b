import Foundation

/// One progress report as text: the phase, a bar when the total is known, how much is done, the
/// rate and the time left. A plain value: `ProgressReporter` decides when and how to print it.
///
///     training epoch 3/20 [#######.............]  35%  1,200/3,400 batches  5,512 examples/s  ETA 1:12  loss 4.1212
public struct ProgressBar: Equatable, Sendable {
    public var phase: String
    public var done: Int
    public var total: Int?
    public var unit: String
    /// Units per second (shown as given, e.g. examples/s while the bar counts batches).
    public var rate: Double?
    public var rateUnit: String?
    public var secondsLeft: Double?
    /// Anything else worth a glance (a loss, a validation score).
    public var detail: String = ""

    public init(
        phase: String, done: Int, total: Int?, unit: String, rate: Double? = nil, rateUnit: String? = nil,
        secondsLeft: Double? = nil, detail: String = ""
    ) {
        self.phase = phase
        self.done = done
        self.total = total
        self.unit = unit
        self.rate = rate
        self.rateUnit = rateUnit
        self.secondsLeft = secondsLeft
        self.detail = detail
    }

    /// The fraction done, when the total is known (clamped to [0, 1]).
    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, max(0, Double(done) / Double(total)))
    }

    /// The report in one line; the bar is `width` characters wide.
    public func rendered(width: Int = 20) -> String {
        var parts = [phase]
        if let fraction {
            let filled = Int((fraction * Double(width)).rounded(.down))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
            parts.append(String(format: "%3.0f%%", fraction * 100))
            if unit != "%" { parts.append("\(Self.grouped(done))/\(Self.grouped(total ?? 0)) \(unit)") }
        } else {
            parts.append("\(Self.grouped(done)) \(unit)")
        }
        if let rate, rate.isFinite { parts.append("\(Self.grouped(Int(min(max(rate, 0), 1e15).rounded()))) \(rateUnit ?? unit)/s") }
        if let secondsLeft, secondsLeft.isFinite, secondsLeft >= 0 { parts.append("ETA " + Self.clock(secondsLeft)) }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: "  ")
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Seconds as m:ss, or h:mm:ss from an hour on.
    static func clock(_ seconds: Double) -> String {
        let s = Int(min(max(seconds, 0), 1e9).rounded(.up))  // beyond 31 years an estimate says nothing
        return s >= 3_600 ? String(format: "%d:%02d:%02d", s / 3_600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
