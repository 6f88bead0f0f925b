import Foundation
import RecModel

/// Writes progress and summaries to standard error, keeping standard output for results.
public enum Terminal {
    public static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static let interactive = isatty(STDERR_FILENO) != 0

    /// A progress printer for training: an updating line on a terminal, one line per epoch otherwise.
    public static func trainingProgress() -> (TrainingProgress) -> Void {
        var lastEpoch = 0
        return { p in
            let line = "epoch \(p.epoch)/\(p.epochs)\(p.sparsePhase ? " (top-C)" : "") batch \(p.batch)/\(p.batches) loss "
                + String(format: "%.4f  %.0f examples/s  ETA %.0f s", p.loss, p.examplesPerSecond, p.secondsRemaining)
            if interactive {
                FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
                if p.epoch == p.epochs && p.batch == p.batches { FileHandle.standardError.write(Data("\n".utf8)) }
            } else if p.batch == p.batches && p.epoch != lastEpoch {
                lastEpoch = p.epoch
                log(line)
            }
        }
    }
}
