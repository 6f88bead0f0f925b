import Foundation
import RecInference
import RecTraining

/// Writes progress and summaries to standard error, keeping standard output for results.
public enum Terminal {
    public static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    public static let interactive = isatty(STDERR_FILENO) != 0

    /// A progress printer for reading a large file: a bar over the file's bytes (a line at most
    /// every 10 s when standard error is not a terminal).
    public static func readingProgress(_ what: String) -> (Int, Double) -> Void {
        let reporter = ProgressReporter()
        let started = Date()
        return { lines, fraction in
            let seconds = Date().timeIntervalSince(started)
            let percent = Int((fraction * 100).rounded(.down))
            reporter.update(
                ProgressBar(
                    phase: "reading \(what)", done: percent, total: 100, unit: "%", rate: seconds > 0 ? Double(lines) / seconds : nil,
                    rateUnit: "lines", secondsLeft: fraction > 0.01 ? seconds * (1 - fraction) / fraction : nil))
            if fraction >= 1 { reporter.finish() }
        }
    }

    /// A progress printer for training: the epoch (and the top-C phase) as the phase, a bar over
    /// its batches, examples per second, the time left, the loss and the latest validation score.
    public static func trainingProgress() -> (TrainingProgress) -> Void {
        let reporter = ProgressReporter()
        return { p in
            reporter.update(Self.trainingBar(p))
            if p.epoch == p.epochs && p.batch == p.batches { reporter.finish() }
        }
    }

    static func trainingBar(_ p: TrainingProgress) -> ProgressBar {
        ProgressBar(
            phase: "training epoch \(p.epoch)/\(p.epochs)\(p.sparsePhase ? " (top-C)" : "")", done: p.batch, total: p.batches,
            unit: "batches", rate: p.examplesPerSecond, rateUnit: "examples",
            secondsLeft: p.earlyStopping ? p.epochSecondsRemaining : p.secondsRemaining,
            detail: String(format: "loss %.4f", p.loss) + (p.validation.map { String(format: "  validation NDCG@20 %.4f", $0) } ?? "")
                + (p.earlyStopping ? "  (all epochs at most \(ProgressBar.clock(p.secondsRemaining)))" : ""))
    }

    /// A progress printer for scoring a model's test users (`evaluate`).
    public static func scoringProgress(_ model: String) -> (Int, Int) -> Void { countingProgress("scoring \(model)") }

    /// A progress printer for a phase over users: a bar, users per second, the time left.
    public static func countingProgress(_ phase: String) -> (Int, Int) -> Void {
        let reporter = ProgressReporter()
        let started = Date()
        return { done, total in
            let seconds = Date().timeIntervalSince(started)
            let rate = seconds > 0 ? Double(done) / seconds : nil
            reporter.update(
                ProgressBar(
                    phase: phase, done: done, total: total, unit: "users", rate: rate,
                    secondsLeft: rate.map { Double(total - done) / max($0, 1e-9) }))
            if done >= total { reporter.finish() }
        }
    }
}
