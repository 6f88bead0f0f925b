import Foundation

/// One progress report from the trainer (per batch) and the final summary.
public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var batch: Int
    public var batches: Int
    public var loss: Double
    public var examplesPerSecond: Double
    public var secondsRemaining: Double
    public var sparsePhase: Bool
}

public struct TrainingSummary: Sendable, CustomStringConvertible {
    public var epochs: Int
    public var examples: Int
    public var seconds: Double
    public var finalLoss: Double
    public var parameterCount: Int
    public var teacherSeconds: Double

    public var examplesPerSecond: Double { seconds > 0 ? Double(examples) / seconds : 0 }

    public var description: String {
        let teacher = teacherSeconds > 0 ? ", EASE teacher " + String(format: "%.1f s", teacherSeconds) : ""
        return "trained \(epochs) epochs, \(examples) examples in " + String(format: "%.1f s (%.0f examples/s", seconds, examplesPerSecond)
            + teacher + "), final loss " + String(format: "%.4f", finalLoss) + ", \(parameterCount) parameters"
    }
}
