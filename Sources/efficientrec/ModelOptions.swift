import ArgumentParser
import RecInference
import RecTraining
import RecVote

/// Every model hyperparameter as an option named as its `ModelConfiguration` property (the
/// options given decode straight into the configuration; see `ConfigurationOverrides`); defaults
/// are `ModelConfiguration`'s.
struct ModelOptions: ConfigurationOverrides {
    static let notSettings: Set<String> = ["paperFaithful"]

    @Flag(help: "Start from the paper-faithful configuration (triplet loss, member shortlists, mean vote) instead of the improved default.")
    var paperFaithful = false
    @Option(help: "Random seed (for evaluate also the split seed unless --split-seed is given).") var seed: UInt64?
    @Option(help: "Threads for training (OpenBLAS).") var threads: Int?
    @Option(help: "K: number of soft clusters.") var clusters: Int?
    @Option(help: "C: clusters each user votes with.") var topClusters: Int?
    @Option(help: "L: items per cluster shortlist.") var shortlistLength: Int?
    @Option(help: "Epochs with all clusters active.") var epochs: Int?
    @Option(help: "Final epochs with only the top-C clusters active (recommendation objectives).") var sparseEpochs: Int?
    @Option(help: "Mini-batch size.") var batchSize: Int?
    @Option(help: "Training users set aside for early stopping (used with at least 4x as many training users).")
    var validationUsers: Int?
    @Option(help: "Validation checks without a better score before a phase stops (0: train every epoch).") var patience: Int?
    @Option(help: "Relative validation gain that counts as an improvement for early stopping (0.005: 0.5 %).")
    var minImprovement: Double?
    @Option(help: "Examples between validation checks within a long epoch (a check also ends every epoch).")
    var validationInterval: Int?
    @Option(help: "Adam learning rate.") var learningRate: Float?
    @Option(help: "Fraction of the learning rate left at the last step (linear decay).") var finalLearningRateFraction: Float?
    @Option(help: "Decay of the moving average of the weights that is kept (0 disables).") var weightAveraging: Float?
    @Option(help: "Objective: \(ModelConfiguration.Objective.allCases.map(\.rawValue).joined(separator: ", ")).")
    var objective: ModelConfiguration.Objective?
    @Option(help: "Weight of the EASE teacher's soft targets (0 disables distillation).") var distillWeight: Float?
    @Option(help: "EASE teacher regularisation lambda.") var teacherLambda: Float?
    @Option(help: "EASE teacher softmax temperature.") var teacherTemperature: Float?
    @Option(help: "N: the EASE teacher is fitted on at most this many most-interacted items.") var teacherItems: Int?
    @Option(help: "M: teacher weights kept per item (an example costs |input| × M).") var teacherNeighbours: Int?
    @Option(help: "Teacher's top items per example added to the batch's candidates.") var teacherCandidates: Int?
    @Option(help: "Decoder loss: full (softmax over every item) or sampled (batch targets + negatives, logQ-corrected).")
    var decoderLoss: ModelConfiguration.DecoderLoss?
    @Option(help: "Uniform negative items drawn per batch by the sampled loss.") var negativeSamples: Int?
    @Option(help: "L1 penalty on cluster activations (recommendation objectives).") var sparsityWeight: Float?
    @Flag(help: "Learn a per-item bias (popularity) next to the decoder's cluster columns; the vote adds it once per item.")
    var itemBias = false
    @Option(help: "With --item-bias: weight of the item bias in the vote (0 = cluster lift only, 1 = the model's logit).")
    var popularityWeight: Float?
    @Option(help: "With --item-bias: shortlists hold each cluster's top items by lift or by logit (lift + bias).")
    var shortlistRanking: ModelConfiguration.ShortlistRanking?
    @Option(help: "Scale each cluster's shortlist scores by (mean cluster size / its size)^x (0: as learned; default 0.25).")
    var clusterSizeExponent: Float?
    @Option(
        help:
            "Balanced assignment after training: 0 keeps the clusters as trained, 1 shifts each cluster's output bias so that every cluster is in the top C of about n*C/K training users."
    )
    var clusterBalance: Float?
    @Option(help: "Training users the balanced assignment is fitted on.") var clusterBalanceUsers: Int?
    @Option(help: "Triplet margin.") var tripletMargin: Float?
    @Option(help: "L2-normalise vectors before the triplet distance (true/false).") var tripletNormalize: Bool?
    @Option(help: "Triplet space: clusters or profile.") var tripletSpace: ModelConfiguration.TripletSpace?
    @Option(help: "Weight of the triplet term with recommend-triplet.") var tripletWeight: Float?
    @Option(help: "W: at most this many interactions per profile.") var window: Int?
    @Option(help: "Which interactions a long history keeps: recent or top-rated.") var windowRule: ModelConfiguration.WindowRule?
    @Option(help: "Profile input: signed (normalised ratings) or liked (binarised).") var inputMode: ModelConfiguration.InputMode?
    @Option(help: "Training-time input dropout probability.") var inputDropout: Float?
    @Option(help: "Training-time probability of hiding each user attribute.") var attributeDropout: Float?
    @Option(help: "Shortlist source: weights (learned decoder rows) or members (counted).") var shortlistSource: ModelConfiguration.ShortlistSource?
    @Option(
        help:
            "Member shortlist aggregation: mean, sum, smoothed, membership (P(like | cluster)) or lift (P(like | cluster) x log of its ratio to P(like))."
    ) var shortlistAggregation: ModelConfiguration.ShortlistAggregation?
    @Option(help: "Smoothing constant of the smoothed aggregation.") var smoothing: Float?
    @Option(help: "Vote reduction: sum or mean.") var voteReduction: ModelConfiguration.VoteReduction?
    @Option(help: "Cluster weights: sigmoid (each in 0..1) or softmax (over the K clusters).") var clusterActivation:
        ModelConfiguration.ClusterActivation?
    @Option(help: "Temperature T of the softmax cluster weights (K x softmax(logits / T)).") var clusterTemperature: Float?
    @Option(help: "How the pool is ranked: two-stage (the item-item model blended with the vote) or vote (the vote alone).")
    var ranking: ModelConfiguration.Ranking?
    @Option(help: "Two-stage: weight of the normalised vote next to the normalised item-item score (default 0.25).") var voteWeight: Float?
    @Option(
        help:
            "Two-stage: what each term is divided by: pool-max (its largest value in the pool) or bound (its largest possible value, known before scoring)."
    )
    var blendScale: ModelConfiguration.BlendScale?
    @Option(
        help:
            "Item-item model: ease (closed form, items^2 memory), neighbourhood (a ridge regression per item on its M most co-occurring items) or auto (ease up to 30,000 items)."
    )
    var itemModelMethod: ItemItemFit.Method?
    @Option(help: "Item-item model: ridge regularisation lambda.") var itemModelLambda: Float?
    @Option(help: "Item-item model: N, the strongest weights each item keeps.") var itemModelNeighbours: Int?
    @Option(help: "Item-item model: M, the co-occurring items each item is regressed on (neighbourhood).") var itemModelSupport: Int?
    @Option(help: "Item-ID embedding dimension d.") var embeddingDim: Int?
    @Option(help: "Profile (z) dimension.") var profileDim: Int?
    @Option(help: "Hidden units of the profile head.") var headHidden: Int?

    /// The configuration the options describe: the given options decoded over the default (or
    /// the paper-faithful) configuration.
    func configuration() throws -> ModelConfiguration {
        var c = try decode(over: paperFaithful ? ModelConfiguration.paperFaithful : ModelConfiguration())
        if !c.objective.usesDecoder && shortlistSource == nil { c.shortlistSource = .members }
        if let problem = c.validationError() { throw ValidationError(problem) }
        return c
    }

    func validate() throws { _ = try configuration() }
}
