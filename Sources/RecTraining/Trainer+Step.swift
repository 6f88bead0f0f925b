import RecData
import RecInference
import RecMath

/// One batch of the objectives that run on a single thread of batches (the `recommend` objective's
/// data-parallel batch is in Trainer+RecommendStep.swift): the supervised triplets over genre
/// labels, and the objectives that split each user's history in two halves (the triplet between
/// the halves, the decoder loss on the held-out half, or both).
extension Trainer {
    /// One batch: builds the examples, runs forward and backward, and returns the loss.
    func step(
        _ batchUsers: [Int], parameters: ParameterSet, gradients: inout GradientSet, context: DecoderContext,
        scratch: [TeacherScratch],
        labels: [Int], sparse: Bool, rng: inout SeededRandom
    ) -> Double {
        switch configuration.objective {
        case .supervised:
            return supervisedStep(batchUsers, parameters: parameters, gradients: &gradients, labels: labels, rng: &rng)
        case .triplet, .recommend, .recommendTriplet:
            return splitHistoryStep(
                batchUsers, parameters: parameters, gradients: &gradients, context: context,
                scratch: scratch, sparse: sparse, rng: &rng)
        }
    }

    /// The supervised objective: each user's positive is another user of the batch with the same
    /// dominant genre (drawn from `rng`), its negatives the users with another one.
    private func supervisedStep(
        _ batchUsers: [Int], parameters: ParameterSet, gradients: inout GradientSet,
        labels: [Int], rng: inout SeededRandom
    ) -> Double {
        let c = configuration
        let inputs = batchUsers.map {
            ProfileInput.from(
                history: dataset.log.history(of: $0), attributes: dataset.userAttributeValues[$0],
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
    }

    /// The batch's histories, each split at random into an input half (A) and a held-out half (B).
    private struct SplitHistories {
        var halvesA: [ProfileInput] = []
        var halvesB: [ProfileInput] = []
        /// Per user, the liked items of half B: the decoder's targets.
        var targets: [[Int]] = []
        /// Per user, the items of half A: excluded from its decoder softmax.
        var masked: [[Int]] = []
        /// Per user, the liked items of half A: what the teacher scores from.
        var teacherInputs: [[Int]] = []
    }

    private func splitHistories(_ batchUsers: [Int], rng: inout SeededRandom) -> SplitHistories {
        let c = configuration
        var split = SplitHistories()
        for u in batchUsers {
            let (a, b) = UserSplit.holdout(dataset.log.history(of: u), fraction: 0.5, order: .random, rng: &rng)
            let attrs = dataset.userAttributeValues[u]
            split.halvesA.append(ProfileInput.from(history: a, attributes: attrs, configuration: c, training: true, rng: &rng))
            split.halvesB.append(ProfileInput.from(history: b, attributes: attrs, configuration: c, training: true, rng: &rng))
            split.targets.append(b.items.indices.filter { c.ratingScale.isLiked(b.ratings[$0]) }.map { b.items[$0] })
            split.masked.append(a.items)
            split.teacherInputs.append(a.items.indices.filter { c.ratingScale.isLiked(a.ratings[$0]) }.map { a.items[$0] })
        }
        return split
    }

    /// The objectives on split histories: the decoder loss of half A's clusters against half B's
    /// liked items (recommendation objectives), and the triplet that pulls a user's two halves
    /// together and pushes the other users' apart (triplet objectives; only half A is encoded
    /// without it).
    private func splitHistoryStep(
        _ batchUsers: [Int], parameters: ParameterSet, gradients: inout GradientSet,
        context: DecoderContext, scratch: [TeacherScratch], sparse: Bool,
        rng: inout SeededRandom
    ) -> Double {
        let c = configuration
        let split = splitHistories(batchUsers, rng: &rng)
        let needsB = c.objective != .recommend
        let fw = encoder.forward(needsB ? split.halvesA + split.halvesB : split.halvesA, parameters: parameters)
        var dClusters = Matrix(rows: fw.clusters.rows, cols: c.clusters)
        var dProfile: Matrix? = nil
        var total = 0.0
        if c.objective.usesDecoder {
            addDecoderLoss(
                fw, split: split, parameters: parameters, gradients: &gradients, context: context,
                scratch: scratch, sparse: sparse, rng: &rng, total: &total, dClusters: &dClusters)
        }
        if needsB {
            addHalvesTripletLoss(fw, users: batchUsers.count, total: &total, dClusters: &dClusters, dProfile: &dProfile)
        }
        encoder.backward(fw, dClusters: dClusters, dProfile: dProfile, parameters: parameters, into: &gradients)
        return total
    }

    /// Adds the decoder loss on half A's clusters (and the sparsity penalty on them) to `total`;
    /// its gradient w.r.t. those clusters goes into the first rows of `dClusters`, the decoder's
    /// into `gradients`.
    private func addDecoderLoss(
        _ fw: Encoder.Forward, split: SplitHistories, parameters: ParameterSet,
        gradients: inout GradientSet, context: DecoderContext, scratch: [TeacherScratch],
        sparse: Bool, rng: inout SeededRandom, total: inout Double, dClusters: inout Matrix
    ) {
        let c = configuration
        let n = split.halvesA.count
        let s = fw.clusters.gatherRows(Array(0..<n))
        let batch = context.batch(
            targets: split.targets, masked: split.masked, teacherInputs: split.teacherInputs,
            scratch: scratch, threads: 1, rng: &rng)
        let (loss, dS) = decoderStep(s, batch: batch, sparse: sparse, parameters: parameters, gradients: &gradients)
        total += loss
        dClusters.values.replaceSubrange(0..<(n * c.clusters), with: dS.values)
        if c.sparsityWeight > 0 {
            let w = c.sparsityWeight / Float(n)
            for k in 0..<(n * c.clusters) { dClusters.values[k] += w }
            total += Double(c.sparsityWeight) * Double(s.values.reduce(0, +)) / Double(n)
        }
    }

    /// Adds the triplet loss between the `users` halves A (rows 0..<users of `fw`) and B (the
    /// rest), weighted by `tripletWeight` under `recommendTriplet`, to `total`; its gradient goes
    /// into `dClusters` or `dProfile`, whichever space the triplet is measured in.
    private func addHalvesTripletLoss(
        _ fw: Encoder.Forward, users n: Int, total: inout Double, dClusters: inout Matrix,
        dProfile: inout Matrix?
    ) {
        let c = configuration
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

    /// Backward from a gradient w.r.t. the space the triplet is measured in (clusters or profile).
    private func backward(_ fw: Encoder.Forward, dSpace: Matrix, parameters: ParameterSet, gradients: inout GradientSet) {
        if configuration.tripletSpace == .clusters {
            encoder.backward(fw, dClusters: dSpace, parameters: parameters, into: &gradients)
        } else {
            encoder.backward(
                fw, dClusters: Matrix(rows: fw.clusters.rows, cols: fw.clusters.cols), dProfile: dSpace,
                parameters: parameters, into: &gradients)
        }
    }
}
