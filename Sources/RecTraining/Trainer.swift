import RecInference
import Foundation
import RecData
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
        encoder = Encoder(configuration: configuration, features: dataset.itemFeatures,
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
        var rng = SeededRandom(seed: c.seed)
        var parameters = encoder.initialParameters(rng: &rng)
        let itemCount = encoder.itemCount
        if c.objective.usesDecoder {
            parameters.add("decoder.items", .gaussian(rows: itemCount, cols: c.clusters, std: 0.01, rng: &rng))
            if c.itemBias { parameters.add("decoder.bias", Matrix(rows: itemCount, cols: 1)) }
        }
        var teacher: DistillationTeacher? = nil
        var teacherSeconds = 0.0
        if c.objective.usesDecoder && c.distillWeight > 0 {
            let started = Date()
            let fitted = min(itemCount, c.teacherItems)
            status?("EASE teacher: fitting on \(fitted == itemCount ? "all \(itemCount)" : "the top \(fitted) of \(itemCount)") items "
                    + "(a \(fitted) × \(fitted) inverse)")
            let ease = try EASE(log: dataset.log, lambda: c.teacherLambda, scale: dataset.ratingScale, likedOnly: true,
                                maxItems: c.teacherItems, threads: c.threads)
            teacher = DistillationTeacher(ease: ease, neighbours: c.teacherNeighbours)
            teacherSeconds = Date().timeIntervalSince(started)
            status?("EASE teacher: fitted in " + String(format: "%.1f s", teacherSeconds))
        }
        let context = DecoderContext(configuration: c, dataset: dataset, teacher: teacher)
        // The recommend objective prepares one batch per thread at once (one teacher scratch each),
        // splits each batch's forward and backward over the threads, and runs OpenBLAS
        // single-threaded inside them; the other objectives use OpenBLAS's threads.
        let dataParallel = c.objective == .recommend
        let scratch = (0..<(dataParallel ? c.threads : 1)).map { _ in context.makeScratch() }
        if dataParallel { BLAS.setThreads(1) }
        defer { BLAS.setThreads(c.threads) }
        let labels = c.objective == .supervised ? dominantGenres() : []
        var optimizer = Adam(parameters: parameters, learningRate: c.learningRate)
        optimizer.threads = c.threads
        var users = (0..<dataset.log.users.count).filter { dataset.log.userOffsets[$0 + 1] - dataset.log.userOffsets[$0] >= 2 }
        // Early stopping: a seeded sample of the training users is set aside to validate on.
        var monitor: ValidationMonitor? = nil
        if c.objective.usesDecoder && c.patience > 0 && users.count >= 4 * c.validationUsers && c.validationUsers > 0 {
            var pick = SeededRandom.derived(seed: c.seed, stream: 0x686F_6C64) // "hold"
            var shuffled = users
            pick.shuffle(&shuffled)
            let held = Set(shuffled.prefix(c.validationUsers))
            monitor = ValidationMonitor(users: held.sorted(), dataset: dataset, configuration: c)
            users = users.filter { !held.contains($0) }
            status?("early stopping: \(monitor!.users.count) training users held back; a check every epoch and every "
                    + "\(c.validationInterval) examples, patience \(c.patience) (a gain counts above "
                    + String(format: "%g %%)", 100 * c.minImprovement))
        }
        let sparseEpochs = c.objective.usesDecoder ? c.sparseEpochs : 0
        var plannedEpochs = c.epochs + sparseEpochs
        let batches = (users.count + c.batchSize - 1) / c.batchSize
        let started = Date()
        var stepIndex = 0
        var average: ParameterSet? = c.weightAveraging > 0 ? parameters : nil
        var examples = 0
        var lastLoss = 0.0
        var epochsRun = 0
        var validation = ValidationRecord()
        var denseExamples = 0
        // Phase 1: all clusters active; phase 2: only each user's top C (recommendation objectives).
        for sparse in [false, true] {
            let limit = sparse ? sparseEpochs : c.epochs
            // When the dense phase stopped early, the top-C phase gets a proportionate share of examples.
            var exampleBudget = Int.max
            if sparse && monitor != nil && validation.stoppedEarly && c.epochs > 0 {
                exampleBudget = max(c.batchSize, Int((Double(denseExamples) * Double(sparseEpochs) / Double(c.epochs)).rounded(.up)))
                plannedEpochs = epochsRun + min(limit, (exampleBudget + users.count - 1) / max(1, users.count))
            }
            validation.startPhase()
            var phaseEpoch = 0, phaseExamples = 0, sinceCheck = 0
            var stop = false
            while phaseEpoch < limit && !stop {
                var order = users
                var epochRng = SeededRandom.derived(seed: c.seed, stream: UInt64(epochsRun + 1))
                epochRng.shuffle(&order)
                var epochLoss = 0.0
                var prepared: [PreparedBatch] = [], preparedFrom = 0
                for b in 0..<batches {
                    let batchUsers = Array(order[(b * c.batchSize)..<min(order.count, (b + 1) * c.batchSize)])
                    guard batchUsers.count >= 2 else { continue }
                    var gradients = GradientSet(like: parameters)
                    let loss: Double
                    if dataParallel {
                        if b >= preparedFrom + prepared.count {
                            // Batch b of epoch e draws from its own stream (e, b).
                            let epoch = UInt64(epochsRun + 1)
                            prepared = prepareRecommendBatches(b..<min(batches, b + c.threads), of: order, context: context,
                                                               scratch: scratch) {
                                SeededRandom.derived(seed: c.seed, stream: epoch << 32 | UInt64($0))
                            }
                            preparedFrom = b
                        }
                        loss = recommendStep(prepared[b - preparedFrom], parameters: parameters, gradients: &gradients,
                                             sparse: sparse, threads: c.threads)
                    } else {
                        loss = step(batchUsers, parameters: parameters, gradients: &gradients, context: context,
                                    scratch: scratch, labels: labels, sparse: sparse, rng: &epochRng)
                    }
                    let progressFraction = Float(stepIndex) / Float(max(1, plannedEpochs * batches))
                    optimizer.learningRate = c.learningRate * (1 - (1 - c.finalLearningRateFraction) * min(1, progressFraction))
                    optimizer.update(&parameters, gradients: gradients)
                    stepIndex += 1
                    if var avg = average {
                        average = nil
                        Self.blend(&avg, toward: parameters, keep: c.weightAveraging)
                        average = avg
                    }
                    examples += batchUsers.count
                    phaseExamples += batchUsers.count
                    sinceCheck += batchUsers.count
                    epochLoss += loss
                    lastLoss = epochLoss / Double(b + 1)
                    if let progress {
                        let elapsed = Date().timeIntervalSince(started)
                        let rate = Double(examples) / max(elapsed, 1e-9)
                        let remaining = Double((plannedEpochs - epochsRun - 1) * users.count + (batches - b - 1) * c.batchSize) / max(rate, 1e-9)
                        progress(TrainingProgress(epoch: epochsRun + 1, epochs: plannedEpochs, batch: b + 1, batches: batches,
                                                  loss: lastLoss, examplesPerSecond: rate, secondsRemaining: max(0, remaining),
                                                  epochSecondsRemaining: Double((batches - b - 1) * c.batchSize) / max(rate, 1e-9),
                                                  examples: examples, earlyStopping: monitor != nil,
                                                  sparsePhase: sparse, validation: validation.last))
                    }
                    // A validation check after every epoch, and within a long one every `validationInterval` examples.
                    let endOfEpoch = b == batches - 1
                    let budgetSpent = phaseExamples >= exampleBudget
                    // ...and when the phase's example budget ends it, so a phase always ends on a check.
                    if let monitor, endOfEpoch || sinceCheck >= c.validationInterval || budgetSpent {
                        sinceCheck = 0
                        let current = average ?? parameters
                        let score = monitor.score(encoder: encoder, parameters: current, topClusters: c.topClusters, threads: c.threads)
                        if validation.record(score, parameters: current, patience: c.patience, minImprovement: c.minImprovement) {
                            stop = true
                        }
                    }
                    if budgetSpent { stop = true }
                    if stop { break }
                }
                epochsRun += 1
                phaseEpoch += 1
            }
            if !sparse { denseExamples = phaseExamples }
            if let best = validation.bestOfPhase {
                // Keep the best validated weights of the phase (and continue from them).
                if average != nil { average = best } else { parameters = best }
            }
        }
        if let average { parameters = average }
        var summary = TrainingSummary(epochs: epochsRun, examples: examples, seconds: Date().timeIntervalSince(started),
                                      finalLoss: lastLoss, parameterCount: parameters.scalarCount, teacherSeconds: teacherSeconds,
                                      teacherItems: teacher?.fittedItems ?? 0, catalogueItems: itemCount)
        summary.validationUsers = monitor?.users.count ?? 0
        summary.validationScores = validation.history
        summary.stoppedEarly = validation.stoppedEarly
        return Result(parameters: parameters, summary: summary)
    }

    /// One batch: builds the examples, runs forward and backward, and returns the loss.
    func step(_ batchUsers: [Int], parameters: ParameterSet, gradients: inout GradientSet, context: DecoderContext,
              scratch: [TeacherScratch],
              labels: [Int], sparse: Bool, rng: inout SeededRandom) -> Double {
        let c = configuration
        let log = dataset.log
        switch c.objective {
        case .supervised:
            let inputs = batchUsers.map {
                ProfileInput.from(history: log.history(of: $0), attributes: dataset.userAttributeValues[$0],
                                  configuration: c, training: true, rng: &rng)
            }
            let fw = encoder.forward(inputs, parameters: parameters)
            let batchLabels = batchUsers.map { labels[$0] }
            let positives: [Int?] = batchLabels.indices.map { b in
                guard batchLabels[b] >= 0 else { return nil }
                let same = batchLabels.indices.filter { $0 != b && batchLabels[$0] == batchLabels[b] }
                return same.isEmpty ? nil : same[rng.below(same.count)]
            }
            let loss = TripletLoss(margin: c.tripletMargin, normalize: c.tripletNormalize)
            let space = c.tripletSpace == .clusters ? fw.clusters : fw.profile
            let r = loss.evaluate(anchors: space, pool: space, positive: positives) { batchLabels[$0] != batchLabels[$1] }
            var d = r.dAnchors
            for k in 0..<d.values.count { d.values[k] += r.dPool.values[k] }
            backward(fw, dSpace: d, parameters: parameters, gradients: &gradients)
            return r.loss
        case .triplet, .recommend, .recommendTriplet:
            var halvesA: [ProfileInput] = [], halvesB: [ProfileInput] = []
            var targets: [[Int]] = [], masked: [[Int]] = [], teacherInputs: [[Int]] = []
            for u in batchUsers {
                let (a, b) = UserSplit.holdout(log.history(of: u), fraction: 0.5, order: .random, rng: &rng)
                let attrs = dataset.userAttributeValues[u]
                halvesA.append(ProfileInput.from(history: a, attributes: attrs, configuration: c, training: true, rng: &rng))
                halvesB.append(ProfileInput.from(history: b, attributes: attrs, configuration: c, training: true, rng: &rng))
                targets.append(b.items.indices.filter { c.ratingScale.isLiked(b.ratings[$0]) }.map { b.items[$0] })
                masked.append(a.items)
                teacherInputs.append(a.items.indices.filter { c.ratingScale.isLiked(a.ratings[$0]) }.map { a.items[$0] })
            }
            let needsB = c.objective != .recommend
            let fw = encoder.forward(needsB ? halvesA + halvesB : halvesA, parameters: parameters)
            let n = batchUsers.count
            var dClusters = Matrix(rows: fw.clusters.rows, cols: c.clusters)
            var dProfile: Matrix? = nil
            var total = 0.0
            if c.objective.usesDecoder {
                let s = fw.clusters.gatherRows(Array(0..<n))
                let batch = context.batch(targets: targets, masked: masked, teacherInputs: teacherInputs, scratch: scratch,
                                          threads: 1, rng: &rng)
                let (loss, dS) = decoderStep(s, batch: batch, sparse: sparse, parameters: parameters, gradients: &gradients)
                total += loss
                dClusters.values.replaceSubrange(0..<(n * c.clusters), with: dS.values)
                if c.sparsityWeight > 0 {
                    let w = c.sparsityWeight / Float(n)
                    for k in 0..<(n * c.clusters) { dClusters.values[k] += w }
                    total += Double(c.sparsityWeight) * Double(s.values.reduce(0, +)) / Double(n)
                }
            }
            if needsB {
                let weight: Float = c.objective == .recommendTriplet ? c.tripletWeight : 1
                let space = c.tripletSpace == .clusters ? fw.clusters : fw.profile
                let anchors = space.gatherRows(Array(0..<n)), pool = space.gatherRows(Array(n..<(2 * n)))
                let r = TripletLoss(margin: c.tripletMargin, normalize: c.tripletNormalize)
                    .evaluate(anchors: anchors, pool: pool, positive: (0..<n).map { $0 }) { $0 != $1 }
                total += Double(weight) * r.loss
                var d = Matrix(rows: 2 * n, cols: space.cols)
                d.values.replaceSubrange(0..<(n * space.cols), with: r.dAnchors.values.map { $0 * weight })
                d.values.replaceSubrange((n * space.cols)..<(2 * n * space.cols), with: r.dPool.values.map { $0 * weight })
                if c.tripletSpace == .clusters {
                    for k in 0..<d.values.count { dClusters.values[k] += d.values[k] }
                } else {
                    dProfile = d
                }
            }
            encoder.backward(fw, dClusters: dClusters, dProfile: dProfile, parameters: parameters, into: &gradients)
            return total
        }
    }

    private func backward(_ fw: Encoder.Forward, dSpace: Matrix, parameters: ParameterSet, gradients: inout GradientSet) {
        if configuration.tripletSpace == .clusters {
            encoder.backward(fw, dClusters: dSpace, parameters: parameters, into: &gradients)
        } else {
            encoder.backward(fw, dClusters: Matrix(rows: fw.clusters.rows, cols: fw.clusters.cols), dProfile: dSpace,
                             parameters: parameters, into: &gradients)
        }
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
