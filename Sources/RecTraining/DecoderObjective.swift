import Foundation
import RecData
import RecInference
import RecMath

/// One batch of the recommendation-aware loss, ready to score: the candidate items (columns), the
/// target distribution over them, and the columns each example must not score (its input half).
public struct DecoderBatch: Sendable {
    public var candidates: CandidateSet
    /// rows × candidates: the held-out liked items' share, plus the teacher's soft targets.
    public var targets: Matrix
    /// Per example, the candidate columns of its input items.
    public var maskedColumns: [[Int]]
}

/// What the decoder loss needs beyond the batch: the teacher, each item's chance to be a target
/// (for the logQ correction) and the settings. Built once per training run.
public struct DecoderContext: Sendable {
    public let configuration: ModelConfiguration
    public let itemCount: Int
    public let teacher: DistillationTeacher?
    /// Per item, the chance that one training example has it among its targets.
    public let targetRate: [Float]

    public init(configuration: ModelConfiguration, dataset: Dataset, teacher: DistillationTeacher?) {
        self.configuration = configuration
        self.teacher = teacher
        itemCount = dataset.log.items.count
        var likers = [Float](repeating: 0, count: itemCount)
        for k in 0..<dataset.log.interactionCount where dataset.ratingScale.isLiked(dataset.log.ratings[k]) {
            likers[Int(dataset.log.itemIndices[k])] += 1
        }
        // A target is a liked item of the held-out half (half of the history).
        let users = Float(max(1, dataset.log.users.count))
        targetRate = likers.map { 0.5 * $0 / users }
    }

    /// Chooses the candidate items and builds the target distribution over them.
    /// - Parameters:
    ///   - targets: per example, its held-out liked items.
    ///   - masked: per example, its input items (excluded from its softmax).
    ///   - teacherInputs: per example, the liked input items the teacher scores from.
    public func batch(targets: [[Int]], masked: [[Int]], teacherInputs: [[Int]], rng: inout SeededRandom) -> DecoderBatch {
        batch(targets: targets, masked: masked, teacherInputs: teacherInputs, scratch: [makeScratch()], threads: 1, rng: &rng)
    }

    /// The catalogue-sized accumulators `batch` needs (one per thread), made once per training run.
    func makeScratch() -> TeacherScratch { TeacherScratch(itemCount: teacher == nil ? 0 : itemCount) }

    /// As above, with the per-example work (teacher scores, target rows) split over up to
    /// `scratch.count` threads. Only the candidate draw uses `rng`, so the batch does not depend on
    /// the thread count.
    func batch(
        targets: [[Int]], masked: [[Int]], teacherInputs: [[Int]], scratch: [TeacherScratch], threads: Int,
        rng: inout SeededRandom
    ) -> DecoderBatch {
        let threads = max(1, min(threads, scratch.count))
        var required = targets
        var teacherScores: [[(item: Int, score: Float)]] = []
        if let teacher {
            let picks: [[Int]]
            (teacherScores, picks) = teacherScoresAndPicks(
                teacher, examples: targets.count, masked: masked,
                teacherInputs: teacherInputs, scratch: scratch, threads: threads)
            if configuration.teacherCandidates > 0 { required.append(contentsOf: picks) }
        }
        let candidates = candidateSet(required: required, examples: targets.count, rng: &rng)
        let maskedColumns = masked.map { $0.compactMap { candidates.columnOf($0) } }
        var target = heldOutTargets(targets, candidates: candidates)
        if teacher != nil {
            addTeacherTargets(
                to: &target, teacherScores: teacherScores, heldOut: targets, candidates: candidates,
                maskedColumns: maskedColumns, threads: threads)
        }
        return DecoderBatch(candidates: candidates, targets: target, maskedColumns: maskedColumns)
    }

    /// Each example's teacher scores (the items its inputs reach), computed once, and its teacher
    /// picks (its top `teacherCandidates` items outside its inputs), which become candidates.
    private func teacherScoresAndPicks(
        _ teacher: DistillationTeacher, examples n: Int, masked: [[Int]], teacherInputs: [[Int]],
        scratch: [TeacherScratch], threads: Int
    ) -> ([[(item: Int, score: Float)]], [[Int]]) {
        let pickCount = configuration.teacherCandidates
        var teacherScores = [[(item: Int, score: Float)]](repeating: [], count: n)
        var picks = [[Int]](repeating: [], count: n)
        teacherScores.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            picks.withUnsafeMutableBufferPointer { picksOut in
                let picksBase = picksOut.baseAddress!
                Parallel.forEachIndexedChunk(n, threads: threads, minimumChunk: 8) { chunk, range in
                    for b in range {
                        let scores = scratch[chunk].scores(teacher, inputs: teacherInputs[b])
                        base[b] = scores
                        guard pickCount > 0 else { continue }
                        let excluded = Set(masked[b])
                        let top = TopK.select(scores.map(\.score), k: min(scores.count, pickCount + excluded.count))
                        picksBase[b] = Array(top.map { scores[$0.index].item }.filter { !excluded.contains($0) }.prefix(pickCount))
                    }
                }
            }
        }
        return (teacherScores, picks)
    }

    /// The batch's columns: every item (`full`), or the `required` items plus sampled negatives
    /// (`sampled`, drawn from `rng`).
    private func candidateSet(required: [[Int]], examples n: Int, rng: inout SeededRandom) -> CandidateSet {
        switch configuration.decoderLoss {
        case .full: return .full(itemCount: itemCount)
        case .sampled:
            return .sampled(
                required: required, negatives: configuration.negativeSamples, itemCount: itemCount,
                targetRate: targetRate, batchSize: n, rng: &rng)
        }
    }

    /// The target rows before distillation: each example's held-out liked items share its weight
    /// equally (all of it without a teacher, 1 − `distillWeight` with one).
    private func heldOutTargets(_ targets: [[Int]], candidates: CandidateSet) -> Matrix {
        let n = targets.count
        var target = Matrix(rows: n, cols: candidates.count)
        for b in 0..<n where !targets[b].isEmpty {
            let share = (teacher == nil ? 1 : 1 - configuration.distillWeight) / Float(targets[b].count)
            for i in targets[b] { target[b, candidates.columnOf(i)!] += share }
        }
        return target
    }

    /// Adds the teacher's soft targets, softmax(x_A B / T − log π) over the candidates each example
    /// may score, weighted `distillWeight` (the whole row for an example with no held-out target).
    private func addTeacherTargets(
        to target: inout Matrix, teacherScores: [[(item: Int, score: Float)]], heldOut targets: [[Int]],
        candidates: CandidateSet, maskedColumns: [[Int]], threads: Int
    ) {
        let c = configuration
        let n = targets.count
        let columns = candidates.count
        target.values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachChunk(n, threads: threads, minimumChunk: 8) { range in
                var logits = [Float](repeating: 0, count: columns)
                var excluded = [Bool](repeating: false, count: columns)
                for b in range {
                    for j in 0..<columns { logits[j] = -candidates.logInclusion[j] }
                    for (item, score) in teacherScores[b] {
                        if let j = candidates.columnOf(item) { logits[j] += score / c.teacherTemperature }
                    }
                    for j in maskedColumns[b] { excluded[j] = true }
                    var m = -Float.infinity
                    for j in 0..<columns where !excluded[j] { m = max(m, logits[j]) }
                    if m.isFinite {
                        var sum: Double = 0
                        for j in 0..<columns where !excluded[j] { logits[j] = Foundation.exp(logits[j] - m); sum += Double(logits[j]) }
                        let weight = Double(targets[b].isEmpty ? 1 : c.distillWeight)
                        for j in 0..<columns where !excluded[j] { base[b * columns + j] += Float(weight * Double(logits[j]) / sum) }
                    }
                    for j in maskedColumns[b] { excluded[j] = false }
                }
            }
        }
    }
}

/// A catalogue-sized accumulator for teacher scores, cleared by the entries it touched. A class:
/// one per thread, handed to the code running there, never shared.
final class TeacherScratch {
    var values: [Float]
    var seen: [Bool]
    var touched: [Int] = []

    init(itemCount: Int) {
        values = [Float](repeating: 0, count: itemCount)
        seen = [Bool](repeating: false, count: itemCount)
    }

    /// The example's teacher scores over the items its inputs reach (in the order first reached,
    /// which depends only on the inputs; the sums add inputs in ascending order).
    func scores(_ teacher: DistillationTeacher, inputs: [Int]) -> [(item: Int, score: Float)] {
        touched.removeAll(keepingCapacity: true)
        teacher.accumulate(inputs: inputs, into: &values, touched: &touched, seen: &seen)
        let out = touched.map { (item: $0, score: values[$0]) }
        for i in touched { values[i] = 0; seen[i] = false }
        return out
    }
}

extension Trainer {
    /// The recommendation-aware loss over the batch's candidate items (see `decoderLoss`): only the
    /// candidates' decoder rows are read and receive gradients. In the sparse phase only each
    /// example's top-C clusters take part. Returns the loss and its gradient w.r.t. `s`.
    func decoderStep(
        _ s: Matrix, batch: DecoderBatch, sparse: Bool, parameters: ParameterSet,
        gradients: inout GradientSet
    ) -> (Double, Matrix) {
        let bias = candidateBias(batch, parameters: parameters)
        let r = decoderForward(
            s, targets: batch.targets, masked: batch.maskedColumns, candidates: batch.candidates,
            decoder: candidateRows(batch, parameters: parameters), bias: bias, meanOver: nil, sparse: sparse)
        gradients.addRows(
            "decoder.items", batch.candidates.items, from: BLAS.product(r.dLogits, transposeA: true, r.active),
            distinct: true)
        if bias != nil { gradients.addRows("decoder.bias", batch.candidates.items, from: Self.columnSums(r.dLogits), distinct: true) }
        return (r.loss, r.dActive)
    }
}
