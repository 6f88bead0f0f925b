import RecMath
import RecVote

/// What a shard that owns a subset of the items holds of a model: every cluster's shortlist cut to
/// its items (scores unchanged, so each list is still best first), the item–item rows cut to the
/// weights that score its items, and its items' bias. It scores its own candidates completely —
/// the vote, then the two-stage ranking — and returns its top k. Every item's score depends only
/// on that item's entries, the request and two bounds the coordinator computes from the whole
/// model, so the top k over all items is exactly the top k of the shards' top-k lists
/// (`TopKMerge`): one round, replies of at most k entries whatever C, L or the history length.
///
/// Exact for the vote ranking and for the two-stage ranking with `BlendScale.bound`; the pool
/// maxima of `BlendScale.poolMaximum` need the whole pool, which no single shard has.
public struct ItemShard: Sendable {
    public let configuration: ModelConfiguration
    public let itemCount: Int
    public let shortlists: Shortlists
    public let itemModel: ItemItemWeights?
    /// The model's item bias on this shard's items, 0 elsewhere (empty without an item bias).
    public let itemBias: [Float]
    /// Shortlist entries this shard holds (what its share of the work grows with).
    public var entryCount: Int { shortlists.items.count }

    /// The part of `model` whose items satisfy `owns` (called once per item index).
    public init(_ model: RecommenderModel, owns: (Int) -> Bool) {
        self.init(ServingParts(model), owns: owns)
    }

    /// The part of a model's serving parts whose items satisfy `owns` (called once per item index).
    public init(_ whole: ServingParts, owns: (Int) -> Bool) {
        let owned = (0..<whole.itemCount).map(owns)
        configuration = whole.configuration
        itemCount = whole.itemCount
        shortlists = Shortlists(
            lists: (0..<whole.shortlists.clusterCount).map { c in
                whole.shortlists.entries(c).filter { $0.index >= 0 && $0.index < owned.count && owned[$0.index] }
            })
        itemModel = whole.itemModel.map { weights in
            ItemItemWeights(
                rows: (0..<weights.rowCount).map { j in
                    weights.row(j).compactMap { e in
                        let t = Int(weights.targets[e])
                        return t < owned.count && owned[t] ? (target: t, weight: weights.weights[e]) : nil
                    }
                }, keep: Int.max)
        }
        itemBias = whole.itemBias.isEmpty ? [] : whole.itemBias.indices.map { owned[$0] ? whole.itemBias[$0] : 0 }
    }

    /// Shard `shard` of `shardCount` under the model's `ItemPartition`.
    public init(_ whole: ServingParts, shard: Int, of partition: ItemPartition) {
        self.init(whole) { partition.owner(of: $0) == shard }
    }

    /// Each item's load for `ItemPartition`: its shortlist entries (the vote's work on it) plus its
    /// item–item weights (the re-rank's) plus one, so items in no shortlist spread too.
    public static func itemLoads(_ model: RecommenderModel) -> [Int] { itemLoads(ServingParts(model)) }

    public static func itemLoads(_ whole: ServingParts) -> [Int] {
        var loads = [Int](repeating: 1, count: whole.itemCount)
        for i in whole.shortlists.items where Int(i) >= 0 && Int(i) < loads.count { loads[Int(i)] += 1 }
        if let weights = whole.itemModel {
            for t in weights.targets where Int(t) >= 0 && Int(t) < loads.count { loads[Int(t)] += 1 }
        }
        return loads
    }

    /// The item partition of `whole` into `shardCount` shards (the same on every process).
    public static func partition(_ whole: ServingParts, shardCount: Int) throws(ShardMap.Problem) -> ItemPartition {
        try ItemPartition(shardCount: shardCount, itemLoads: itemLoads(whole))
    }

    /// Whether shards of `model` answer exactly as the whole model does.
    public static func isExact(for model: RecommenderModel) -> Bool { isExact(model.configuration) }

    /// Whether `shardCount` shards of a model configured so answer exactly as the whole model: always
    /// with one shard; with more, for the vote ranking and the two-stage ranking with bounds.
    public static func isExact(_ configuration: ModelConfiguration, shardCount: Int = 2) -> Bool {
        shardCount <= 1 || configuration.ranking != .twoStage || configuration.blendScale == .bound
    }

    /// What the coordinator sends every shard (the same to all): the user's top clusters and their
    /// weights, the rows that score the pool, the items never to return, the blend's bounds, k.
    public struct Request: Sendable {
        public var clusters: [(index: Int, score: Float)]
        public var rankingItems: [Int]
        public var excluded: [Int]
        public var bounds: (vote: Float, itemItem: Float)
        public var k: Int

        public init(
            clusters: [(index: Int, score: Float)], rankingItems: [Int], excluded: [Int],
            bounds: (vote: Float, itemItem: Float), k: Int
        ) {
            self.clusters = clusters
            self.rankingItems = rankingItems
            self.excluded = excluded
            self.bounds = bounds
            self.k = k
        }

        /// The request for a prepared user of `model` (the coordinator's side).
        public init(_ prepared: RecommenderModel.PreparedRequest, model: RecommenderModel, k: Int) {
            self.init(
                clusters: prepared.clusters, rankingItems: prepared.rankingItems, excluded: prepared.excluded,
                bounds: model.blendBounds(prepared), k: k)
        }
    }

    /// This shard's top `request.k` of its own candidates, best first (ties: lower item index), by
    /// the configured ranking; `votes` (for `itemCount` items) is left empty.
    public func score(_ request: Request, votes: inout VoteAccumulator) -> [(index: Int, score: Float)] {
        guard !request.clusters.isEmpty else { votes.reset(); return [] }
        for (c, s) in request.clusters { votes.add(cluster: c, weight: s, shortlists: shortlists, skip: []) }
        if !itemBias.isEmpty && configuration.popularityWeight > 0 {
            votes.addToTouched(itemBias, weight: configuration.popularityWeight)
        }
        if let itemModel, configuration.ranking == .twoStage {
            // Pool maxima (exact only with one shard, which holds the whole pool) or the bounds.
            return votes.topTwoStage(
                k: request.k, excluding: request.excluded, reduction: configuration.voteReduction,
                itemModel: itemModel, history: request.rankingItems, voteWeight: configuration.voteWeight,
                bounds: configuration.blendScale == .bound ? request.bounds : nil)
        }
        return votes.top(k: request.k, excluding: request.excluded, reduction: configuration.voteReduction)
    }
}
