import Foundation
import RecData
import RecInference
import RecMath

/// Mini-batch training of the encoder (and, for recommendation objectives, the K × items decoder).
/// Deterministic for a given seed and thread count: all randomness comes from seeded streams and
/// the large products run in OpenBLAS with a fixed thread count.
public struct Trainer {
    public let configuration: ModelConfiguration
    public let dataset: Dataset
    public let encoder: Encoder

    public init(configuration: ModelConfiguration, dataset: Dataset) {
        var configuration = configuration
        configuration.ratingScale = dataset.ratingScale
        self.configuration = configuration
        self.dataset = dataset
        encoder = Encoder(
            configuration: configuration, features: dataset.itemFeatures,
            attributeVocabularySizes: dataset.attributes.vocabularies.map(\.count))
    }

    public struct Result: Sendable {
        public var parameters: ParameterSet
        public var summary: TrainingSummary
    }

    /// `status` receives one-line notes on the slow steps before the epochs (the teacher, the
    /// validation split), so a long job is never silent.
    public func train(progress: ((TrainingProgress) -> Void)? = nil, status: ((String) -> Void)? = nil) throws(MathError) -> Result {
        let c = configuration
        BLAS.setThreads(c.threads)
        let parameters = initialParameters()
        let (teacher, teacherSeconds) = try fitTeacher(status: status)
        let context = DecoderContext(configuration: c, dataset: dataset, teacher: teacher)
        // The recommend objective prepares one batch per thread at once (one teacher scratch each),
        // splits each batch's forward and backward over the threads, and runs OpenBLAS
        // single-threaded inside them; the other objectives use OpenBLAS's threads.
        let dataParallel = c.objective == .recommend
        let scratch = (0..<(dataParallel ? c.threads : 1)).map { _ in context.makeScratch() }
        if dataParallel { BLAS.setThreads(1) }
        defer { BLAS.setThreads(c.threads) }
        let labels = c.objective == .supervised ? dominantGenres() : []
        let (users, monitor) = holdOutValidationUsers(status: status)
        var loop = TrainingLoop(
            trainer: self, parameters: parameters, users: users, monitor: monitor, context: context,
            scratch: scratch, labels: labels, dataParallel: dataParallel, progress: progress)
        // Phase 1: all clusters active; phase 2: only each user's top C (recommendation objectives).
        for sparse in [false, true] { loop.runPhase(sparse: sparse) }
        let trained = loop.finalParameters
        var summary = TrainingSummary(
            epochs: loop.epochsRun, examples: loop.examples, seconds: Date().timeIntervalSince(loop.started),
            finalLoss: loop.lastLoss, parameterCount: trained.scalarCount, teacherSeconds: teacherSeconds,
            teacherItems: teacher?.fittedItems ?? 0, catalogueItems: encoder.itemCount)
        summary.validationUsers = monitor?.users.count ?? 0
        summary.validationScores = loop.validation.history
        summary.stoppedEarly = loop.validation.stoppedEarly
        return Result(parameters: trained, summary: summary)
    }

    /// The encoder's seeded initial weights, and for recommendation objectives the decoder's
    /// (drawn after the encoder's from the same stream).
    private func initialParameters() -> ParameterSet {
        let c = configuration
        var rng = SeededRandom(seed: c.seed)
        var parameters = encoder.initialParameters(rng: &rng)
        if c.objective.usesDecoder {
            parameters.add("decoder.items", .gaussian(rows: encoder.itemCount, cols: c.clusters, std: 0.01, rng: &rng))
            if c.itemBias { parameters.add("decoder.bias", Matrix(rows: encoder.itemCount, cols: 1)) }
        }
        return parameters
    }

    /// The EASE teacher the decoder is distilled from (nil when distillation is off), and the
    /// seconds its fit took.
    private func fitTeacher(status: ((String) -> Void)?) throws(MathError) -> (DistillationTeacher?, Double) {
        let c = configuration
        guard c.objective.usesDecoder && c.distillWeight > 0 else { return (nil, 0) }
        let itemCount = encoder.itemCount
        let started = Date()
        let fitted = min(itemCount, c.teacherItems)
        status?(
            "EASE teacher: fitting on \(fitted == itemCount ? "all \(itemCount)" : "the top \(fitted) of \(itemCount)") items "
                + "(a \(fitted) × \(fitted) inverse)")
        let ease = try EASE(
            log: dataset.log, lambda: c.teacherLambda, scale: dataset.ratingScale, likedOnly: true,
            maxItems: c.teacherItems, threads: c.threads)
        let teacher = DistillationTeacher(ease: ease, neighbours: c.teacherNeighbours)
        let seconds = Date().timeIntervalSince(started)
        status?("EASE teacher: fitted in " + String(format: "%.1f s", seconds))
        return (teacher, seconds)
    }

    /// The users trained on (those with two or more interactions) and, for early stopping, the
    /// monitor of a seeded sample of them set aside to validate on (then no longer trained on).
    private func holdOutValidationUsers(status: ((String) -> Void)?) -> (users: [Int], monitor: ValidationMonitor?) {
        let c = configuration
        let users = (0..<dataset.log.users.count).filter { dataset.log.userOffsets[$0 + 1] - dataset.log.userOffsets[$0] >= 2 }
        guard c.objective.usesDecoder && c.patience > 0 && users.count >= 4 * c.validationUsers && c.validationUsers > 0 else {
            return (users, nil)
        }
        var pick = SeededRandom.derived(seed: c.seed, stream: 0x686F_6C64)  // "hold"
        var shuffled = users
        pick.shuffle(&shuffled)
        let held = Set(shuffled.prefix(c.validationUsers))
        let monitor = ValidationMonitor(users: held.sorted(), dataset: dataset, configuration: c)
        status?(
            "early stopping: \(monitor.users.count) training users held back; a check every epoch and every "
                + "\(c.validationInterval) examples, patience \(c.patience) (a gain counts above "
                + String(format: "%g %%)", 100 * c.minImprovement))
        return (users.filter { !held.contains($0) }, monitor)
    }

    /// avg ← keep · avg + (1 − keep) · current, tensor by tensor.
    static func blend(_ average: inout ParameterSet, toward current: ParameterSet, keep: Float) {
        for t in 0..<average.tensors.count {
            current.tensors[t].values.withUnsafeBufferPointer { src in
                average.tensors[t].values.withUnsafeMutableBufferPointer { dst in
                    for k in 0..<dst.count { dst[k] = keep * dst[k] + (1 - keep) * src[k] }
                }
            }
        }
    }

    /// Zeroes all but the `count` largest activations of each row (ties: lower cluster index).
    public static func keepTopClusters(_ s: Matrix, count: Int) -> Matrix {
        var out = Matrix(rows: s.rows, cols: s.cols)
        for r in 0..<s.rows {
            for (index, score) in TopK.select(Array(s.row(r)), k: count) { out[r, index] = score }
        }
        return out
    }

    /// Each user's most frequent genre among liked items (ties: lower genre index; -1 when none):
    /// the label of the supervised objective.
    public func dominantGenres() -> [Int] {
        let genres = dataset.itemFeatures.genres
        return (0..<dataset.log.users.count).map { u in
            let h = dataset.log.history(of: u)
            var counts: [Int: Int] = [:]
            for k in 0..<h.count where dataset.ratingScale.isLiked(h.ratings[k]) {
                for g in genres[h.items[k]] { counts[g, default: 0] += 1 }
            }
            return counts.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? -1
        }
    }
}
