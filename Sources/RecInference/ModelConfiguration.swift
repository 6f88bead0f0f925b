import RecData
import RecMath
import RecVote

/// Every hyperparameter of the model, its training and its serving, with the documented defaults.
/// Stored in the model file, so a model always serves with the settings it was built with.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    // MARK: Encoder shape
    public var embeddingDim = 64
    public var genreDim = 16
    public var towerHidden = 128
    public var attributeDim = 8
    public var headHidden = 256
    public var profileDim = 64
    /// K: the number of sigmoid soft clusters.
    public var clusters = 500

    // MARK: Profile input
    /// W: at most this many interactions enter a profile.
    public var window = 200
    public var windowRule: WindowRule = .recent
    public var inputMode: InputMode = .liked
    /// Training-time probability of dropping each input interaction.
    public var inputDropout: Float = 0
    /// Training-time probability of hiding each user attribute (replaced by "unknown"), so that
    /// users without attributes, or with only attributes, are served well.
    public var attributeDropout: Float = 0.3

    // MARK: Objective
    public var objective: Objective = .recommend
    /// Weight of the EASE teacher's soft targets in the recommendation target (0 disables the teacher).
    public var distillWeight: Float = 0.5
    public var teacherLambda: Float = 500
    public var teacherTemperature: Float = 0.05
    /// N: the teacher is fitted on at most this many items (the most interacted with; its inverse
    /// costs N³ and N² floats). Larger catalogues are reported as partially covered, never skipped.
    public var teacherItems = 10_000
    /// M: the teacher keeps each item's M largest weights; a training example costs |input| × M.
    public var teacherNeighbours = 512
    /// The teacher's top items per example that join the batch's candidate items.
    public var teacherCandidates = 20
    /// How the decoder loss covers the catalogue.
    public var decoderLoss: DecoderLoss = .sampled
    /// Uniform negative draws per batch for the sampled loss; a catalogue no larger than this is
    /// scored whole (the sampled loss is then the full softmax exactly).
    public var negativeSamples = 2048
    /// The decoder learns a per-item bias β_i next to its K cluster columns: logit = s · D_i + β_i.
    /// β absorbs how popular an item is, so D_i holds each cluster's lift over it, and the vote adds
    /// β once per voted item instead of once per shortlist the item sits in.
    public var itemBias = false
    public var tripletMargin: Float = 0.2
    public var tripletNormalize = true
    public var tripletSpace: TripletSpace = .clusters
    /// L1 penalty on the cluster activations (mean over users of Σ_c s_uc) in recommendation
    /// objectives: it makes the sigmoid outputs sparse, so a top-C vote keeps most of the signal.
    public var sparsityWeight: Float = 0
    /// With `recommendTriplet`, the weight of the triplet term.
    public var tripletWeight: Float = 0.1

    // MARK: Optimisation
    /// The most epochs of the first phase; with early stopping, training stops sooner.
    public var epochs = 150
    /// Final epochs trained with only the top-C clusters active (recommendation objectives only).
    public var sparseEpochs = 0
    public var batchSize = 64
    /// Early stopping: training users set aside for validation (recommendation objectives; used when
    /// there are at least four times as many training users).
    public var validationUsers = 500
    /// Validation checks without a better score before a phase stops (0 trains every epoch).
    public var patience = 10
    /// The relative gain over the last counted improvement that resets the patience count: slower
    /// creep ends a phase (the best weights are still kept), so a large data set does not train on
    /// for a fraction of a percent.
    public var minImprovement = 0.005
    /// Examples between validation checks within a long epoch (a check also ends every epoch).
    public var validationInterval = 100_000
    public var learningRate: Float = 3e-3
    /// The learning rate decays linearly to this fraction of its initial value by the last step.
    public var finalLearningRateFraction: Float = 1
    /// Decay of an exponential moving average of the weights (0 disables it); the average is the
    /// model that is kept.
    public var weightAveraging: Float = 0
    public var seed: UInt64 = 42
    public var threads = 2

    // MARK: Shortlists and voting
    /// C: clusters a user votes with.
    public var topClusters = 10
    /// L: items per cluster shortlist.
    public var shortlistLength = 200
    public var shortlistSource: ShortlistSource = .members
    public var shortlistAggregation: ShortlistAggregation = .membership
    public var smoothing: Float = 10
    public var voteReduction: VoteReduction = .sum
    /// With `itemBias`: the weight of β_i added to every voted item's score (0 ranks by the clusters'
    /// lift alone; 1 is the trained model's logit).
    public var popularityWeight: Float = 1
    /// Shortlist scores of cluster c are multiplied by (mean cluster size / size of c)^exponent, the
    /// size being the number of training users with c among their top C: 0 leaves them as learned;
    /// larger values make clusters that almost every user votes with (whose lists are what is
    /// popular overall) count for less than the clusters that single a user out.
    public var clusterSizeExponent: Float = 0.25
    /// With `itemBias`: a cluster's shortlist holds its top L items by lift D_ic, or by D_ic + β_i.
    public var shortlistRanking: ShortlistRanking = .logit
    /// How cluster logits become soft cluster weights s_u: sigmoid (the paper's; each in (0, 1),
    /// and they saturate) or softmax over the K clusters (they sum to 1, so a user's top clusters
    /// keep their relative weights). Files written before the setting existed use sigmoid.
    public var clusterActivation: ClusterActivation = .sigmoid
    /// T of the softmax weights, K × softmax(logits / T): above 1 flattens them.
    public var clusterTemperature: Float = 1
    /// Balanced assignment, from 0 (the clusters as trained) to 1: after training, per-cluster
    /// offsets are found under which every cluster is among the top C of about n·C/K training
    /// users (`BalancedAssignment`), and this fraction of them is subtracted from the clusters'
    /// output bias. It keeps a collapsed encoder (most users in the same few clusters) from giving
    /// everyone the same pool. Folded into the encoder's weights, so serving is unchanged.
    public var clusterBalance: Float = 1
    /// Training users (evenly spaced) the balancing offsets are fitted on.
    public var clusterBalanceUsers = 20_000

    // MARK: Two-stage ranking
    /// How the pool (the union of the user's top-C shortlists) is ranked. Files written before
    /// the setting existed rank by the vote.
    public var ranking: Ranking = .twoStage
    /// β: the weight of the normalised vote next to the normalised item–item score.
    public var voteWeight: Float = 0.25
    /// What the two terms are divided by before they are blended: bounds known before scoring
    /// by default, so shards owning parts of the items rank exactly as one process. Files written
    /// before the setting existed use the pool's maxima.
    public var blendScale: BlendScale = .bound
    /// How the item–item model is fitted (`ItemItemFit`), its ridge λ, the weights N each item
    /// keeps, and the regressors M per item of the neighbourhood fit.
    public var itemModelMethod: ItemItemMethod = .auto
    public var itemModelLambda: Float = 500
    public var itemModelNeighbours = 100
    public var itemModelSupport = 256

    public var ratingScale = RatingScale(neutral: 3, halfRange: 2, likeThreshold: 4)
    /// The item tower's year normalisation, pinned when a model is built so that items added
    /// later (`refresh --items`) do not move it; nil in older files (computed from the catalogue).
    public var yearNormalization: YearNormalization? = nil

    public struct YearNormalization: Codable, Equatable, Sendable {
        public var mean: Float
        public var std: Float

        /// Mean and standard deviation of the known years (0 and 1 when none is known).
        public static func fit(_ years: [Float]) -> YearNormalization {
            let known = years.filter { !$0.isNaN }
            let mean = known.isEmpty ? 0 : known.reduce(0, +) / Float(known.count)
            let variance = known.isEmpty ? 1 : known.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(known.count)
            return YearNormalization(mean: mean, std: max(variance.squareRoot(), 1e-3))
        }
    }

    public init() {}

    /// The configuration that follows the paper and the authors' notebook: triplet loss on the
    /// cluster vectors, shortlists from members with the mean aggregation, mean vote.
    public static var paperFaithful: ModelConfiguration {
        var c = ModelConfiguration()
        c.objective = .triplet
        c.inputMode = .signed
        c.inputDropout = 0
        c.attributeDropout = 0
        c.distillWeight = 0
        c.sparseEpochs = 0
        c.topClusters = 5
        c.shortlistSource = .members
        c.shortlistAggregation = .mean
        c.voteReduction = .mean
        c.clusterSizeExponent = 0
        c.clusterBalance = 0
        return c
    }

    /// Checks ranges; returns a message naming the first bad setting.
    public func validationError() -> String? {
        if embeddingDim < 1 || profileDim < 1 || headHidden < 1 || towerHidden < 1 { return "layer sizes must be positive" }
        if genreDim < 0 || attributeDim < 0 { return "genre and attribute dimensions must not be negative" }
        if clusters < 1 || clusters > 100_000 { return "clusters (K) must be between 1 and 100000" }
        if topClusters < 1 || topClusters > clusters { return "top clusters (C) must be between 1 and K (\(clusters))" }
        if shortlistLength < 1 { return "shortlist length (L) must be positive" }
        if window < 1 { return "window (W) must be positive" }
        if !(0..<1).contains(inputDropout) { return "input dropout must be in [0, 1)" }
        if !(0...1).contains(attributeDropout) { return "attribute dropout must be in [0, 1]" }
        if epochs < 0 || sparseEpochs < 0 { return "epochs must not be negative" }
        if validationUsers < 0 || validationUsers > 1_000_000 || patience < 0 {
            return "validation users must be between 0 and 1000000 and patience not negative"
        }
        if validationInterval < 1 { return "validation interval must be positive" }
        if !(minImprovement >= 0 && minImprovement < 1) { return "minimum improvement must be at least 0 and below 1" }
        if batchSize < 2 { return "batch size must be at least 2" }
        if !(learningRate > 0) || !learningRate.isFinite { return "learning rate must be positive" }
        if !(0...1).contains(finalLearningRateFraction) { return "final learning rate fraction must be in [0, 1]" }
        if !(0..<1).contains(weightAveraging) { return "weight averaging decay must be in [0, 1)" }
        if threads < 1 || threads > 256 { return "threads must be between 1 and 256" }
        if !(0...1).contains(distillWeight) { return "distill weight must be in [0, 1]" }
        if !(teacherLambda > 0) || !(teacherTemperature > 0) { return "teacher lambda and temperature must be positive" }
        if teacherItems < 1 || teacherItems > 40_000 {
            return "teacher items must be between 1 and 40000 (the teacher holds N² floats: 6.4 GB at 40000)"
        }
        if teacherNeighbours < 1 || teacherCandidates < 0 || teacherCandidates > 10_000 {
            return "teacher neighbours must be positive and teacher candidates between 0 and 10000"
        }
        if negativeSamples < 1 { return "negative samples must be positive" }
        if !(clusterTemperature > 0 && clusterTemperature.isFinite) { return "cluster temperature must be a positive number" }
        if !(sparsityWeight >= 0) { return "sparsity weight must not be negative" }
        if !(tripletMargin >= 0) { return "triplet margin must not be negative" }
        if shortlistSource == .weights && !objective.usesDecoder {
            return "shortlists from weights need a recommendation objective (use --shortlist-source members)"
        }
        if !(clusterBalance >= 0 && clusterBalance <= 1) { return "cluster balance must be between 0 and 1" }
        if clusterBalanceUsers < 1 { return "cluster balance users must be positive" }
        if !(clusterSizeExponent >= 0 && clusterSizeExponent <= 4) { return "cluster size exponent must be between 0 and 4" }
        if !(popularityWeight >= 0 && popularityWeight.isFinite) { return "popularity weight must be a number at least 0" }
        if itemBias && !objective.usesDecoder { return "an item bias needs a recommendation objective" }
        if !(smoothing >= 0) { return "smoothing must not be negative" }
        if !(voteWeight >= 0 && voteWeight.isFinite) { return "vote weight must be a number at least 0" }
        if !(itemModelLambda > 0 && itemModelLambda.isFinite) { return "item model lambda must be positive" }
        if itemModelNeighbours < 1 || itemModelNeighbours > 100_000 { return "item model neighbours (N) must be between 1 and 100000" }
        if itemModelSupport < 1 || itemModelSupport > 4_096 { return "item model support (M) must be between 1 and 4096" }
        return nil
    }
}
