import Foundation

/// Prints `ProgressBar`s for a long job: on a terminal one line redrawn in place (at most ten times
/// a second); otherwise a plain line when a phase completes (or, without a total, begins) and at
/// least every `interval` seconds within a long one, so logs show progress without a line per step.
public final class ProgressReporter {
    private let interactive: Bool
    private let interval: Double
    private let now: () -> Double
    private let write: (String) -> Void
    private var lastPrinted: Double?
    private var lastPhase: String?
    private var drawn = false

    /// `now` is in seconds (any origin); `write` receives the text exactly as it goes out.
    public init(
        interactive: Bool = Terminal.interactive, interval: Double = 10,
        now: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate },
        write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.interactive = interactive
        self.interval = interval
        self.now = now
        self.write = write
    }

    /// Reports progress; prints it when due.
    public func update(_ bar: ProgressBar) {
        let t = now()
        let phaseChanged = bar.phase != lastPhase
        let finished = bar.total.map { bar.done >= $0 } ?? false
        if interactive {
            guard phaseChanged || finished || lastPrinted.map({ t - $0 >= 0.1 }) ?? true else { return }
            // Carriage return, the line, then clear what a longer previous line left.
            write("\r" + bar.rendered() + "\u{1B}[K")
            drawn = true
        } else {
            if phaseChanged && lastPrinted == nil { lastPrinted = t }  // the interval counts from the first report
            let due = lastPrinted.map { t - $0 >= interval } ?? false
            guard finished || due || (phaseChanged && bar.total == nil) else {
                lastPhase = bar.phase
                return
            }
            write(bar.rendered() + "\n")
        }
        lastPrinted = t
        lastPhase = bar.phase
    }

    /// Ends the redrawn line, so what is printed next starts on its own.
    public func finish() {
        if interactive && drawn { write("\n") }
        drawn = false
    }
}
