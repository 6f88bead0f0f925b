import RecData
import RecInference
import RecMath

/// The `recommend` objective's batch, data-parallel: the examples and
/// the candidate draw depend only on the batch's own random stream, so several batches are prepared
/// at once, one per thread; then each slice of a batch (one per thread) runs the encoder forward, the decoder loss and the backward pass on its
/// own, and the slices' gradients are summed in slice order. Every example's loss is scaled as its
/// share of the whole batch, so the sum is the batch's gradient and only the order of float
/// additions depends on the thread count. OpenBLAS runs single-threaded inside the slices: small
/// products gain nothing from its threads, which spin (the reason `--threads 2` used to be slower).
extension Trainer {
    /// A slice's share of the batch's loss and gradients, and what the decoder's gradient needs.
    struct SliceResult {
        var loss: Double
        var gradients: GradientSet
        var forward: DecoderForward
    }

    /// The smallest slice worth a thread of its own.
    static let minimumSlice = 8

    /// A batch of the recommend objective, ready to score: its inputs and decoder targets. It does
    /// not depend on the parameters, so batches are prepared ahead, several at once.
    struct PreparedBatch {
        var inputs: [ProfileInput]
        var decoder: DecoderBatch
    }

    /// Splits each user's history into an input and a held-out half and builds the decoder batch,
    /// drawing only from `rng`; teacher work is split over `scratch.count` threads.
    func prepareRecommendBatch(
        _ batchUsers: [Int], context: DecoderContext, scratch: [TeacherScratch],
        rng: inout SeededRandom
    ) -> PreparedBatch {
        let c = configuration
        let log = dataset.log
        var inputs: [ProfileInput] = [], targets: [[Int]] = [], masked: [[Int]] = [], teacherInputs: [[Int]] = []
        inputs.reserveCapacity(batchUsers.count)
        for u in batchUsers {
            let (a, b) = UserSplit.holdout(log.history(of: u), fraction: 0.5, order: .random, rng: &rng)
            inputs.append(
                ProfileInput.from(
                    history: a, attributes: dataset.userAttributeValues[u], configuration: c,
                    training: true, rng: &rng))
            targets.append(b.items.indices.filter { c.ratingScale.isLiked(b.ratings[$0]) }.map { b.items[$0] })
            masked.append(a.items)
            teacherInputs.append(a.items.indices.filter { c.ratingScale.isLiked(a.ratings[$0]) }.map { a.items[$0] })
        }
        let batch = context.batch(
            targets: targets, masked: masked, teacherInputs: teacherInputs, scratch: scratch,
            threads: scratch.count, rng: &rng)
        return PreparedBatch(inputs: inputs, decoder: batch)
    }

    /// Prepares the batches of `users` (consecutive slices of `batchSize`) numbered `numbers`, one
    /// per thread; batch b draws from `randomStream(b)` only, so the result does not depend on the
    /// thread count.
    func prepareRecommendBatches(
        _ numbers: Range<Int>, of users: [Int], context: DecoderContext, scratch: [TeacherScratch],
        randomStream: (Int) -> SeededRandom
    ) -> [PreparedBatch] {
        let size = configuration.batchSize
        var out = [PreparedBatch?](repeating: nil, count: numbers.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forEachIndexedChunk(numbers.count, threads: scratch.count) { chunk, range in
                for k in range {
                    let b = numbers.lowerBound + k
                    var rng = randomStream(b)
                    let batchUsers = Array(users[(b * size)..<min(users.count, (b + 1) * size)])
                    base[k] = prepareRecommendBatch(batchUsers, context: context, scratch: [scratch[chunk]], rng: &rng)
                }
            }
        }
        return out.map { $0! }
    }

    /// Forward and backward over a prepared batch, split over `threads`; returns the loss.
    func recommendStep(
        _ prepared: PreparedBatch, parameters: ParameterSet, gradients: inout GradientSet,
        sparse: Bool, threads: Int
    ) -> Double {
        let inputs = prepared.inputs
        let batch = prepared.decoder
        let decoder = candidateRows(batch, parameters: parameters)
        let bias = candidateBias(batch, parameters: parameters)
        let scored = SoftmaxCrossEntropy.scoredRows(batch.targets)
        let n = inputs.count
        // Phase 1, by examples: encoder forward, decoder loss, encoder backward.
        let slices = Parallel.chunkCount(n, threads: threads, minimumChunk: Self.minimumSlice)
        var results = [SliceResult?](repeating: nil, count: slices)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachIndexedChunk(n, threads: threads, minimumChunk: Self.minimumSlice) { k, range in
                base[k] = slice(
                    range, inputs: inputs, batch: batch, decoder: decoder, bias: bias, scoredRows: scored,
                    batchSize: n, sparse: sparse, parameters: parameters)
            }
        }
        var total = 0.0
        var dLogits = Matrix(rows: 0, cols: decoder.rows), active = Matrix(rows: 0, cols: decoder.cols)
        gradients = GradientSet(like: parameters)
        for case let result? in results {
            total += result.loss
            gradients.add(result.gradients)
            dLogits.appendRows(result.forward.dLogits)
            active.appendRows(result.forward.active)
        }
        // Phase 2, by candidates: the decoder rows' gradient dLogitsᵀ · active.
        var dDecoder = Matrix(rows: decoder.rows, cols: decoder.cols)
        dDecoder.values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachChunk(decoder.rows, threads: threads, minimumChunk: 256) { rows in
                BLAS.transposedProductRows(dLogits, active, rows: rows, into: base)
            }
        }
        gradients.addRows("decoder.items", batch.candidates.items, from: dDecoder, distinct: true)
        if bias != nil {
            gradients.addRows("decoder.bias", batch.candidates.items, from: Self.columnSums(dLogits), distinct: true)
        }
        return total
    }

    /// The per-item bias of the batch's candidates, in column order (nil without `itemBias`).
    func candidateBias(_ batch: DecoderBatch, parameters: ParameterSet) -> [Float]? {
        guard configuration.itemBias, parameters.contains("decoder.bias") else { return nil }
        let all = parameters["decoder.bias"].values
        return batch.candidates.items.map { all[$0] }
    }

    /// The bias gradient: Σ over examples of dLogits, one row per candidate.
    static func columnSums(_ m: Matrix) -> Matrix {
        var out = Matrix(rows: m.cols, cols: 1)
        m.values.withUnsafeBufferPointer { v in
            for r in 0..<m.rows { for j in 0..<m.cols { out.values[j] += v[r * m.cols + j] } }
        }
        return out
    }

    /// The decoder rows of the batch's candidates, in column order.
    func candidateRows(_ batch: DecoderBatch, parameters: ParameterSet) -> Matrix {
        batch.candidates.isFull ? parameters["decoder.items"] : parameters["decoder.items"].gatherRows(batch.candidates.items)
    }

    private func slice(
        _ range: Range<Int>, inputs: [ProfileInput], batch: DecoderBatch, decoder: Matrix, bias: [Float]?, scoredRows: Int,
        batchSize: Int, sparse: Bool, parameters: ParameterSet
    ) -> SliceResult {
        let c = configuration
        let fw = encoder.forward(Array(inputs[range]), parameters: parameters)
        let rows = Array(range)
        var r = decoderForward(
            fw.clusters, targets: batch.targets.gatherRows(rows), masked: Array(batch.maskedColumns[range]),
            candidates: batch.candidates, decoder: decoder, bias: bias, meanOver: scoredRows, sparse: sparse)
        if c.sparsityWeight > 0 {
            let w = c.sparsityWeight / Float(batchSize)
            for k in 0..<r.dActive.values.count { r.dActive.values[k] += w }
            r.loss += Double(c.sparsityWeight) * Double(fw.clusters.values.reduce(0, +)) / Double(batchSize)
        }
        var gradients = GradientSet(like: parameters)
        encoder.backward(fw, dClusters: r.dActive, parameters: parameters, into: &gradients)
        return SliceResult(loss: r.loss, gradients: gradients, forward: r)
    }

    /// The decoder loss of some examples and its gradients but the decoder's.
    struct DecoderForward {
        var loss: Double
        /// examples × candidates
        var dLogits: Matrix
        /// The activations that scored (top C only in the sparse phase), examples × K.
        var active: Matrix
        /// The gradient w.r.t. the activations s.
        var dActive: Matrix
    }

    /// The decoder loss of some examples against the batch's candidates: softmax over candidates of
    /// (s ⊙ topC-mask) · D_candᵀ − log π; the mean is over `meanOver` rows (nil: the scored rows
    /// given). The candidates' decoder rows' gradient is dLogitsᵀ · active.
    func decoderForward(
        _ s: Matrix, targets: Matrix, masked: [[Int]], candidates: CandidateSet, decoder: Matrix,
        bias: [Float]? = nil, meanOver: Int?, sparse: Bool
    ) -> DecoderForward {
        let n = s.rows
        let active = sparse ? Self.keepTopClusters(s, count: configuration.topClusters) : s
        var logits = BLAS.product(active, decoder, transposeB: true)
        if !candidates.isFull || bias != nil {
            let columns = logits.cols
            var shift = candidates.isFull ? [Float](repeating: 0, count: columns) : candidates.logInclusion.map { -$0 }
            if let bias { for j in 0..<columns { shift[j] += bias[j] } }
            logits.values.withUnsafeMutableBufferPointer { l in
                for b in 0..<n { for j in 0..<columns { l[b * columns + j] += shift[j] } }
            }
        }
        let (loss, dLogits) = SoftmaxCrossEntropy.forward(logits: logits, targets: targets, masked: masked, meanOver: meanOver)
        var dActive = BLAS.product(dLogits, decoder)
        if sparse {
            for k in 0..<dActive.values.count where active.values[k] == 0 { dActive.values[k] = 0 }
        }
        return DecoderForward(loss: loss, dLogits: dLogits, active: active, dActive: dActive)
    }
}
