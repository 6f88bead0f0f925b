import RecData
import RecMath

/// The user encoder, forward and backward written by hand:
///
///     f_i = tanh(W₂ ReLU(W₁ [e_i, genreBag_i, year_i] + b₁) + b₂)    item tower, f_i ∈ (−1, 1)^d
///     p_u = clip(Σ_i w_ui f_i, −1, 1)                                  one aggregation hop
///
/// Because Σ|w_ui| ≤ 1 and f_i ∈ (−1, 1)^d, the clip never saturates (and never blocks gradients)
/// for profiles built by `ProfileInput`; it still bounds hand-made inputs.
///     q_u = [p_u, attribute embeddings]                                demographics
///     z_u = LayerNorm(V₂ ReLU(V₁ q_u + c₁) + c₂)                       profile head
///     s_u = sigmoid(W_c z_u + b_c)                                     K soft clusters
public struct Encoder: Sendable {
    public let configuration: ModelConfiguration
    public let itemCount: Int
    public let attributeVocabularySizes: [Int]
    /// Mean genre bag per item (rows over the genre vocabulary).
    public let genreBag: SparseRows
    public let genreCount: Int
    /// Normalised release year per item (0 when unknown).
    public let yearFeature: [Float]

    public init(configuration: ModelConfiguration, features: ItemFeatures, attributeVocabularySizes: [Int]) {
        self.configuration = configuration
        itemCount = features.genres.count
        self.attributeVocabularySizes = attributeVocabularySizes
        genreCount = features.genreVocabulary.count
        genreBag = SparseRows(
            indices: features.genres,
            weights: features.genres.map { g in g.map { _ in 1 / Float(g.count) } })
        let n = configuration.yearNormalization ?? .fit(features.years)
        yearFeature = features.years.map { $0.isNaN ? 0 : ($0 - n.mean) / n.std }
    }

    var towerInputWidth: Int { configuration.embeddingDim + (genreCount > 0 ? configuration.genreDim : 0) + 1 }
    var profileInputWidth: Int { configuration.embeddingDim + attributeVocabularySizes.count * configuration.attributeDim }

    /// Fresh parameters from a seeded generator.
    public func initialParameters(rng: inout SeededRandom) -> ParameterSet {
        let c = configuration
        var p = ParameterSet()
        p.add("item.embedding", .gaussian(rows: itemCount, cols: c.embeddingDim, std: 0.1, rng: &rng))
        if genreCount > 0 { p.add("genre.embedding", .gaussian(rows: genreCount, cols: c.genreDim, std: 0.1, rng: &rng)) }
        p.add("tower.w1", .glorot(rows: towerInputWidth, cols: c.towerHidden, rng: &rng))
        p.add("tower.b1", Matrix(rows: 1, cols: c.towerHidden))
        p.add("tower.w2", .glorot(rows: c.towerHidden, cols: c.embeddingDim, rng: &rng))
        p.add("tower.b2", Matrix(rows: 1, cols: c.embeddingDim))
        for (k, size) in attributeVocabularySizes.enumerated() {
            p.add("attribute.\(k)", .gaussian(rows: size, cols: c.attributeDim, std: 0.1, rng: &rng))
        }
        p.add("head.w1", .glorot(rows: profileInputWidth, cols: c.headHidden, rng: &rng))
        p.add("head.b1", Matrix(rows: 1, cols: c.headHidden))
        p.add("head.w2", .glorot(rows: c.headHidden, cols: c.profileDim, rng: &rng))
        p.add("head.b2", Matrix(rows: 1, cols: c.profileDim))
        p.add("head.gain", Matrix(rows: 1, cols: c.profileDim, repeating: 1))
        p.add("head.bias", Matrix(rows: 1, cols: c.profileDim))
        p.add("cluster.w", .glorot(rows: c.profileDim, cols: c.clusters, rng: &rng))
        p.add("cluster.b", Matrix(rows: 1, cols: c.clusters))
        return p
    }

    /// Everything the backward pass needs from one forward pass over a batch.
    public struct Forward: Sendable {
        public var uniqueItems: [Int]
        package var towerInput: Matrix
        package var towerHiddenPre: Matrix
        package var towerHidden: Matrix
        package var itemVectors: Matrix
        package var aggregation: SparseRows
        package var profileRaw: Matrix
        package var profileInput: Matrix
        package var headHiddenPre: Matrix
        package var headHidden: Matrix
        package var layerNorm: LayerNorm.Cache
        public var profile: Matrix
        public var clusters: Matrix
        package var attributes: [[Int]]
    }

    /// Item vectors f_i for the given items (rows in the same order).
    public func itemVectors(_ items: [Int], parameters p: ParameterSet) -> Matrix {
        let (x, _, _, f) = tower(items, parameters: p)
        _ = x
        return f
    }

    func tower(_ items: [Int], parameters p: ParameterSet) -> (Matrix, Matrix, Matrix, Matrix) {
        var x = p["item.embedding"].gatherRows(items)
        if genreCount > 0 {
            let bag = SparseRows(indices: items.map { genreBag.indices[$0] }, weights: items.map { genreBag.weights[$0] })
            x = x.hconcat(bag.apply(p["genre.embedding"]))
        }
        x = x.hconcat(Matrix(rows: items.count, cols: 1, values: items.map { yearFeature[$0] })!)
        let hPre = Linear.forward(x, weight: p["tower.w1"], bias: p["tower.b1"])
        let h = ReLU.forward(hPre)
        let f = Tanh.forward(Linear.forward(h, weight: p["tower.w2"], bias: p["tower.b2"]))
        return (x, hPre, h, f)
    }

    public func forward(_ batch: [ProfileInput], parameters p: ParameterSet) -> Forward {
        var position: [Int: Int] = [:]
        var unique: [Int] = []
        for input in batch {
            for i in input.items where position[i] == nil { position[i] = unique.count; unique.append(i) }
        }
        let (x, hPre, h, f) = tower(unique, parameters: p)
        let aggregation = SparseRows(indices: batch.map { $0.items.map { position[$0]! } }, weights: batch.map(\.weights))
        let raw = aggregation.apply(f)
        var q = Clip.forward(raw)
        for k in attributeVocabularySizes.indices {
            q = q.hconcat(p["attribute.\(k)"].gatherRows(batch.map { $0.attributes[k] }))
        }
        let aPre = Linear.forward(q, weight: p["head.w1"], bias: p["head.b1"])
        let a = ReLU.forward(aPre)
        let zPre = Linear.forward(a, weight: p["head.w2"], bias: p["head.b2"])
        let (z, cache) = LayerNorm.forward(zPre, gain: p["head.gain"], bias: p["head.bias"])
        let logits = Linear.forward(z, weight: p["cluster.w"], bias: p["cluster.b"])
        // Softmax weights are scaled by K so that they average 1, as unsaturated sigmoids would.
        let s =
            configuration.clusterActivation == .softmax
            ? RowSoftmax.forward(logits.map { $0 / configuration.clusterTemperature }).map { $0 * Float(configuration.clusters) }
            : Sigmoid.forward(logits)
        return Forward(
            uniqueItems: unique, towerInput: x, towerHiddenPre: hPre, towerHidden: h,
            itemVectors: f, aggregation: aggregation, profileRaw: raw, profileInput: q, headHiddenPre: aPre,
            headHidden: a, layerNorm: cache, profile: z, clusters: s, attributes: batch.map(\.attributes))
    }
}
