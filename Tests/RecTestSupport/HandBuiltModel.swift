import RecData
import RecInference
import RecMath
import RecVote

/// A model whose every weight is set by hand, so tests know exactly which clusters a history
/// activates and which items it must get — on every CPU and every BLAS kernel, with no training.
///
/// Items are "i1" … "i\(groups · itemsPerGroup)"; item "i\(n)" (index n − 1) belongs to group
/// (n − 1) mod `groups`, as in `SyntheticGenerator`. The encoder detects groups:
///
///     e_i = one-hot(group(i)),  f_i = tanh(3 · e_i)                    (tower: identity, ×3)
///     p_u = Σ_i w_ui f_i = tanh(3) · (share of each group among the liked items)
///     z_u = LayerNorm(p_u)                                             (head: identity)
///     s_uc = sigmoid(strength_c · z_u[group_c] + bias_c)
///
/// A history of group-g items only gives z_u[g] = √(G−1) and z_u[h] = −1/√(G−1) for h ≠ g (G ≥ 2;
/// the LayerNorm's ε changes these in the sixth digit), so cluster c's activation is
/// sigmoid(strength_c · √(G−1) + bias_c) when group_c = g. No BLAS sum holds two non-zero terms,
/// so the activations are the same bits on every kernel. Shortlists and popularity are given as is.
public enum HandBuiltModel {
    public struct Cluster: Sendable {
        public var group: Int
        public var strength: Float
        public var bias: Float
        public var shortlist: [(index: Int, score: Float)]

        public init(group: Int, strength: Float = 2, bias: Float = 0, shortlist: [(index: Int, score: Float)]) {
            self.group = group
            self.strength = strength
            self.bias = bias
            self.shortlist = shortlist
        }
    }

    /// The model for `clusters`; `popularity` defaults to every item in index order.
    public static func make(
        groups: Int, itemsPerGroup: Int, clusters: [Cluster], topClusters: Int,
        popularity: [Int]? = nil, reduction: VoteReduction = .sum, window: Int = 200
    ) -> RecommenderModel {
        let itemCount = groups * itemsPerGroup
        var c = ModelConfiguration()
        c.embeddingDim = groups; c.towerHidden = groups; c.headHidden = groups; c.profileDim = groups
        c.genreDim = 1; c.attributeDim = 1
        c.clusters = clusters.count
        c.topClusters = topClusters
        c.shortlistLength = max(1, clusters.map(\.shortlist.count).max() ?? 1)
        c.voteReduction = reduction
        c.window = window
        c.inputMode = .liked
        c.ratingScale = RatingScale(neutral: 3, halfRange: 2, likeThreshold: 4)
        c.epochs = 0; c.sparseEpochs = 0; c.threads = 1

        func identity(_ rows: Int, _ cols: Int, scale: Float = 1) -> Matrix {
            Matrix(rows: rows, cols: cols) { r, k in r == k ? scale : 0 }
        }
        var p = ParameterSet()
        p.add("item.embedding", Matrix(rows: itemCount, cols: groups) { i, g in i % groups == g ? 1 : 0 })
        p.add("tower.w1", identity(groups + 1, groups))  // the last input row is the (absent) year feature
        p.add("tower.b1", Matrix(rows: 1, cols: groups))
        p.add("tower.w2", identity(groups, groups, scale: 3))
        p.add("tower.b2", Matrix(rows: 1, cols: groups))
        p.add("head.w1", identity(groups, groups))
        p.add("head.b1", Matrix(rows: 1, cols: groups))
        p.add("head.w2", identity(groups, groups))
        p.add("head.b2", Matrix(rows: 1, cols: groups))
        p.add("head.gain", Matrix(rows: 1, cols: groups, repeating: 1))
        p.add("head.bias", Matrix(rows: 1, cols: groups))
        p.add("cluster.w", Matrix(rows: groups, cols: clusters.count) { g, k in clusters[k].group == g ? clusters[k].strength : 0 })
        p.add("cluster.b", Matrix(rows: 1, cols: clusters.count) { _, k in clusters[k].bias })
        return RecommenderModel(
            configuration: c, items: IDMap(ids: (1...itemCount).map { "i\($0)" }),
            itemFeatures: .empty(itemCount: itemCount), attributes: .none, parameters: p,
            shortlists: Shortlists(lists: clusters.map(\.shortlist)),
            popularity: popularity ?? Array(0..<itemCount))
    }

    /// The model of the known-answer tests (their expected items are worked out from these lists):
    ///
    ///     cluster  group  strength  shortlist (item index, score)
    ///     0        0      2         (0, 0.9) (4, 0.8) (8, 0.5) (1, 0.4)
    ///     1        0      1         (8, 0.6) (12, 0.3) (5, 0.2)
    ///     2        1      2         (1, 0.9) (5, 0.7) (0, 0.1)
    ///     3        2      2         (2, 1.0) (6, 0.5)
    ///     4        3      2         (3, 0.5) (7, 0.5) (11, 0.5)
    ///
    /// Four groups of five items, C = 2, popularity 12, 19, 0, 3, 7, 18, 2, 1, 4, … .
    public static func knownAnswer(reduction: VoteReduction = .sum, window: Int = 200) -> RecommenderModel {
        make(
            groups: 4, itemsPerGroup: 5,
            clusters: [
                .init(group: 0, strength: 2, shortlist: [(0, 0.9), (4, 0.8), (8, 0.5), (1, 0.4)]),
                .init(group: 0, strength: 1, shortlist: [(8, 0.6), (12, 0.3), (5, 0.2)]),
                .init(group: 1, strength: 2, shortlist: [(1, 0.9), (5, 0.7), (0, 0.1)]),
                .init(group: 2, strength: 2, shortlist: [(2, 1.0), (6, 0.5)]),
                .init(group: 3, strength: 2, shortlist: [(3, 0.5), (7, 0.5), (11, 0.5)])
            ], topClusters: 2, popularity: [12, 19, 0, 3, 7, 18, 2, 1, 4, 5, 6, 8, 9, 10, 11, 13, 14, 15, 16, 17],
            reduction: reduction, window: window)
    }

    /// The item index of the j-th item (0-based) of group g.
    public static func item(group g: Int, rank j: Int, groups: Int) -> Int { g + groups * j }

    /// A serving fixture: `clustersPerGroup` clusters per group with decreasing strength, each
    /// listing `shortlistLength` items, mostly of its group (seeded scores), and a few of others, so
    /// shortlists overlap and votes from several clusters add up. Popularity: a seeded permutation.
    /// The defaults have the shape of `TestFixtures.smallConfiguration` (K = 16, C = 3, L = 30).
    public static func serving(
        groups: Int = 4, itemsPerGroup: Int = 20, clustersPerGroup: Int = 4, shortlistLength: Int = 30,
        topClusters: Int = 3, seed: UInt64 = 1
    ) -> RecommenderModel {
        var rng = SeededRandom(seed: seed)
        var clusters: [Cluster] = []
        for r in 0..<clustersPerGroup {
            for g in 0..<groups {
                var entries: [Int: Float] = [:]
                while entries.count < min(shortlistLength, groups * itemsPerGroup) {
                    let own = rng.unit() < 0.8
                    let group = own ? g : rng.below(groups)
                    let j = rng.below(itemsPerGroup)
                    entries[item(group: group, rank: j, groups: groups), default: 0] = rng.uniform(0.05, 1)
                }
                let list = entries.map { (index: $0.key, score: $0.value) }.sorted { ($0.score, -$0.index) > ($1.score, -$1.index) }
                // Distinct biases: even a history with no dominant group has no tied activations.
                clusters.append(Cluster(group: g, strength: 2 - 0.4 * Float(r), bias: -0.05 * Float(g) - 0.01 * Float(r), shortlist: list))
            }
        }
        // Shuffled, so each group's strongest clusters land on several shards of any shard map.
        rng.shuffle(&clusters)
        var popularity = Array(0..<(groups * itemsPerGroup))
        for k in stride(from: popularity.count - 1, to: 0, by: -1) { popularity.swapAt(k, rng.below(k + 1)) }
        return make(groups: groups, itemsPerGroup: itemsPerGroup, clusters: clusters, topClusters: topClusters, popularity: popularity)
    }

    /// `model` ranking its pool two-stage with the item–item `rows` (source item → (target, weight))
    /// and vote weight `voteWeight`.
    public static func twoStage(
        _ model: RecommenderModel, rows: [Int: [(target: Int, weight: Float)]],
        voteWeight: Float, blendScale: ModelConfiguration.BlendScale = .poolMaximum
    ) -> RecommenderModel {
        var c = model.configuration
        c.ranking = .twoStage
        c.voteWeight = voteWeight
        c.blendScale = blendScale
        return model.replacing(itemModel: ItemItemWeights(rows: (0..<model.items.count).map { rows[$0] ?? [] }, keep: 1_000), configuration: c)
    }
}
