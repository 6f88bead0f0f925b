import Foundation
import RecInference
import RecTraining

/// Writes progress and summaries to standard error, keeping standard output for results.
public enum Terminal {
    public static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static let interactive = isatty(STDERR_FILENO) != 0

    /// A progress printer for reading a large file: a line at most every 10 s (none for a file read
    /// in less).
    public static func readingProgress(_ what: String) -> (Int, Double) -> Void {
        let started = Date()
        var last = started
        return { lines, fraction in
            let now = Date()
            guard now.timeIntervalSince(last) >= 10 else { return }
            last = now
            log("reading \(what): " + String(format: "%.0f %%, %d lines, %.0f s", fraction * 100, lines, now.timeIntervalSince(started)))
        }
    }

    /// A progress printer for training: an updating line on a terminal; otherwise a line per epoch
    /// and one at least every 10 s within a long epoch (`ProgressThrottle`).
    public static func trainingProgress() -> (TrainingProgress) -> Void {
        var throttle = ProgressThrottle(interval: 10)
        let started = Date()
        return { p in
            let line =
                "epoch \(p.epoch)/\(p.epochs)\(p.sparsePhase ? " (top-C)" : "") batch \(p.batch)/\(p.batches) loss "
                + String(format: "%.4f  %.0f examples/s  ", p.loss, p.examplesPerSecond)
                + (p.earlyStopping
                    ? String(
                        format: "%d examples  epoch ETA %.0f s (all epochs at most %.0f s)", p.examples, p.epochSecondsRemaining,
                        p.secondsRemaining)
                    : String(format: "ETA %.0f s", p.secondsRemaining))
                + (p.validation.map { String(format: "  validation NDCG@20 %.4f", $0) } ?? "")
            if interactive {
                FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
                if p.epoch == p.epochs && p.batch == p.batches { FileHandle.standardError.write(Data("\n".utf8)) }
            } else if throttle.shouldPrint(epoch: p.epoch, batch: p.batch, batches: p.batches, now: Date().timeIntervalSince(started)) {
                log(line)
            }
        }
    }
}
