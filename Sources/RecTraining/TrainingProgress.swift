import Foundation
import RecInference

/// One progress report from the trainer (per batch) and the final summary.
public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var batch: Int
    public var batches: Int
    public var loss: Double
    public var examplesPerSecond: Double
    /// To the last planned epoch: an upper bound when early stopping may end training sooner.
    public var secondsRemaining: Double
    /// To the end of the current epoch.
    public var epochSecondsRemaining: Double = 0
    /// Examples trained on so far.
    public var examples = 0
    /// Early stopping is on, so `secondsRemaining` is only an upper bound.
    public var earlyStopping = false
    public var sparsePhase: Bool
    /// The latest validation NDCG@20 (early stopping), when there is one.
    public var validation: Double? = nil
}

public struct TrainingSummary: Sendable, CustomStringConvertible {
    public var epochs: Int
    public var examples: Int
    public var seconds: Double
    public var finalLoss: Double
    public var parameterCount: Int
    public var teacherSeconds: Double
    /// Items the EASE teacher was fitted on (0: no teacher) out of the catalogue's.
    public var teacherItems = 0
    public var catalogueItems = 0
    /// Early stopping: training users set aside, the score after each epoch, and whether it stopped.
    public var validationUsers = 0
    public var validationScores: [Double] = []
    public var stoppedEarly = false

    public var examplesPerSecond: Double { seconds > 0 ? Double(examples) / seconds : 0 }

    public var description: String {
        var teacher = teacherItems > 0 ? ", EASE teacher " + String(format: "%.1f s", teacherSeconds) : ""
        if teacherItems > 0 && teacherItems < catalogueItems {
            teacher += " on the top \(teacherItems) of \(catalogueItems) items"
        }
        return "trained \(epochs) epochs, \(examples) examples in " + String(format: "%.1f s (%.0f examples/s", seconds, examplesPerSecond)
            + teacher + "), final loss " + String(format: "%.4f", finalLoss) + ", \(parameterCount) parameters" + validation

    }

    private var validation: String {
        guard validationUsers > 0, let best = validationScores.max() else { return "" }
        return "; validation NDCG@20 on \(validationUsers) held-back training users: best " + String(format: "%.4f", best)
            + " at check \(validationScores.firstIndex(of: best)! + 1) of \(validationScores.count)" + (stoppedEarly ? ", stopped early" : "")
    }
}
