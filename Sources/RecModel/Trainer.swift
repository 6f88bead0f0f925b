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

    /// The largest catalogue for which the dense EASE teacher (items² floats) is fitted.
    public static let maxTeacherItems = 20_000

    public struct Result: Sendable {
        public var parameters: ParameterSet
        public var summary: TrainingSummary
    }

    public func train(progress: ((TrainingProgress) -> Void)? = nil) throws(MathError) -> Result {
        let c = configuration
        BLAS.setThreads(c.threads)
        var rng = SeededRandom(seed: c.seed)
        var parameters = encoder.initialParameters(rng: &rng)
        let itemCount = encoder.itemCount
        if c.objective.usesDecoder {
            parameters.add("decoder.w", .gaussian(rows: c.clusters, cols: itemCount, std: 0.01, rng: &rng))
        }
        var teacher: EASE? = nil
        var teacherSeconds = 0.0
        if c.objective.usesDecoder && c.distillWeight > 0 && itemCount <= Self.maxTeacherItems {
            let started = Date()
            teacher = try EASE(log: dataset.log, lambda: c.teacherLambda, scale: dataset.ratingScale, likedOnly: true)
            teacherSeconds = Date().timeIntervalSince(started)
        }
        let labels = c.objective == .supervised ? dominantGenres() : []
        var optimizer = Adam(parameters: parameters, learningRate: c.learningRate)
        optimizer.threads = c.threads
        let users = (0..<dataset.log.users.count).filter { dataset.log.userOffsets[$0 + 1] - dataset.log.userOffsets[$0] >= 2 }
        let sparseEpochs = c.objective.usesDecoder ? c.sparseEpochs : 0
        let totalEpochs = c.epochs + sparseEpochs
        let batches = (users.count + c.batchSize - 1) / c.batchSize
        let started = Date()
        let totalSteps = max(1, totalEpochs * batches)
        var stepIndex = 0
        var average: ParameterSet? = c.weightAveraging > 0 ? parameters : nil
        var examples = 0
        var lastLoss = 0.0
        for epoch in 0..<totalEpochs {
            var order = users
            var epochRng = SeededRandom.derived(seed: c.seed, stream: UInt64(epoch + 1))
            epochRng.shuffle(&order)
            var epochLoss = 0.0
            for b in 0..<batches {
                let batchUsers = Array(order[(b * c.batchSize)..<min(order.count, (b + 1) * c.batchSize)])
                guard batchUsers.count >= 2 else { continue }
                var gradients = parameters.zeros()
                let loss = step(batchUsers, parameters: parameters, gradients: &gradients, teacher: teacher,
                                labels: labels, sparse: epoch >= c.epochs, rng: &epochRng)
                let progressFraction = Float(stepIndex) / Float(totalSteps)
                optimizer.learningRate = c.learningRate * (1 - (1 - c.finalLearningRateFraction) * progressFraction)
                optimizer.update(&parameters, gradients: gradients)
                stepIndex += 1
                if var avg = average {
                    average = nil
                    Self.blend(&avg, toward: parameters, keep: c.weightAveraging)
                    average = avg
                }
                examples += batchUsers.count
                epochLoss += loss
                lastLoss = epochLoss / Double(b + 1)
                if let progress {
                    let elapsed = Date().timeIntervalSince(started)
                    let rate = Double(examples) / max(elapsed, 1e-9)
                    let remaining = Double((totalEpochs - epoch - 1) * users.count + (batches - b - 1) * c.batchSize) / max(rate, 1e-9)
                    progress(TrainingProgress(epoch: epoch + 1, epochs: totalEpochs, batch: b + 1, batches: batches,
                                              loss: lastLoss, examplesPerSecond: rate, secondsRemaining: max(0, remaining),
                                              sparsePhase: epoch >= c.epochs))
                }
            }
        }
        if let average { parameters = average }
        let summary = TrainingSummary(epochs: totalEpochs, examples: examples, seconds: Date().timeIntervalSince(started),
                                      finalLoss: lastLoss, parameterCount: parameters.scalarCount, teacherSeconds: teacherSeconds)
        return Result(parameters: parameters, summary: summary)
    }

    /// One batch: builds the examples, runs forward and backward, and returns the loss.
    func step(_ batchUsers: [Int], parameters: ParameterSet, gradients: inout ParameterSet, teacher: EASE?,
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
                let (loss, dS) = decoderStep(s, targets: targets, masked: masked, teacherInputs: teacherInputs, teacher: teacher,
                                             sparse: sparse, parameters: parameters, gradients: &gradients)
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

    private func backward(_ fw: Encoder.Forward, dSpace: Matrix, parameters: ParameterSet, gradients: inout ParameterSet) {
        if configuration.tripletSpace == .clusters {
            encoder.backward(fw, dClusters: dSpace, parameters: parameters, into: &gradients)
        } else {
            encoder.backward(fw, dClusters: Matrix(rows: fw.clusters.rows, cols: fw.clusters.cols), dProfile: dSpace,
                             parameters: parameters, into: &gradients)
        }
    }

    /// The recommendation-aware loss: softmax over items of (s ⊙ topC-mask) · D, against the
    /// held-out liked items, optionally mixed with the EASE teacher's tempered soft targets.
    /// In the sparse phase only the top-C rows of D take part, so the products cost B·C·items.
    func decoderStep(_ s: Matrix, targets: [[Int]], masked: [[Int]], teacherInputs: [[Int]]? = nil, teacher: EASE?,
                     sparse: Bool, parameters: ParameterSet, gradients: inout ParameterSet) -> (Double, Matrix) {
        let c = configuration
        let n = s.rows, items = encoder.itemCount
        let decoder = parameters["decoder.w"]
        let decoderIndex = gradients.index(of: "decoder.w")!
        let top: [[(index: Int, score: Float)]] = sparse ? (0..<n).map { TopK.select(Array(s.row($0)), k: c.topClusters) } : []
        var logits: Matrix
        if sparse {
            logits = Matrix(rows: n, cols: items)
            for b in 0..<n { for (k, w) in top[b] { RowKernels.addScaled(w, row: k, of: decoder, into: &logits, row: b) } }
        } else {
            logits = BLAS.product(s, decoder)
        }
        var target = Matrix(rows: n, cols: items)
        for b in 0..<n where !targets[b].isEmpty {
            let share = (teacher == nil ? 1 : 1 - c.distillWeight) / Float(targets[b].count)
            for i in targets[b] { target[b, i] += share }
        }
        if let teacher {
            addTeacherTargets(teacher, inputs: teacherInputs ?? masked, masked: masked, emptyTargets: targets.map(\.isEmpty),
                              into: &target)
        }
        let (loss, dLogits) = SoftmaxCrossEntropy.forward(logits: logits, targets: target, masked: masked)
        var dActive = Matrix(rows: n, cols: c.clusters)
        if sparse {
            for b in 0..<n {
                for (k, w) in top[b] {
                    RowKernels.addScaled(w, row: b, of: dLogits, into: &gradients.tensors[decoderIndex], row: k)
                    dActive[b, k] = RowKernels.dot(row: b, of: dLogits, row: k, of: decoder)
                }
            }
        } else {
            BLAS.gemm(s, transposeA: true, dLogits, beta: 1, into: &gradients.tensors[decoderIndex])
            dActive = BLAS.product(dLogits, decoder, transposeB: true)
        }
        return (loss, dActive)
    }

    /// Adds the teacher's soft targets softmax(x_A B / T) over non-input items, weighted by the
    /// distillation weight (or fully, when the held-out half has no liked item). The teacher
    /// scores are sums of rows of B over the input items: B·|input|·items, not a dense product.
    func addTeacherTargets(_ teacher: EASE, inputs: [[Int]], masked: [[Int]], emptyTargets: [Bool], into target: inout Matrix) {
        let c = configuration
        let items = encoder.itemCount
        let rows = target.rows
        target.values.withUnsafeMutableBufferPointer { out in
            let targetBase = out.baseAddress!
            teacher.weights.values.withUnsafeBufferPointer { w in
                // Rows are independent: each chunk writes only its own rows of the target.
                Parallel.forEachChunk(rows, threads: c.threads) { range in
                    var row = [Float](repeating: 0, count: items)
                    var excluded = [Bool](repeating: false, count: items)
                    for b in range {
                        for i in 0..<items { row[i] = 0 }
                        for i in Set(inputs[b]).sorted() { // sorted: Set order differs between processes
                            for j in 0..<items { row[j] += w[i * items + j] }
                        }
                        for i in masked[b] { excluded[i] = true }
                        var m = -Float.infinity
                        for i in 0..<items where !excluded[i] { row[i] /= c.teacherTemperature; m = max(m, row[i]) }
                        if m.isFinite {
                            var sum: Double = 0
                            for i in 0..<items where !excluded[i] { row[i] = Foundation.exp(row[i] - m); sum += Double(row[i]) }
                            let weight = Double(emptyTargets[b] ? 1 : c.distillWeight)
                            for i in 0..<items where !excluded[i] { targetBase[b * items + i] += Float(weight * Double(row[i]) / sum) }
                        }
                        for i in masked[b] { excluded[i] = false }
                    }
                }
            }
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
