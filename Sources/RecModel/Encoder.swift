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
        genreBag = SparseRows(indices: features.genres,
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
        var towerInput: Matrix
        var towerHiddenPre: Matrix
        var towerHidden: Matrix
        var itemVectors: Matrix
        var aggregation: SparseRows
        var profileRaw: Matrix
        var profileInput: Matrix
        var headHiddenPre: Matrix
        var headHidden: Matrix
        var layerNorm: LayerNorm.Cache
        public var profile: Matrix
        public var clusters: Matrix
        var attributes: [[Int]]
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
        let s = configuration.clusterActivation == .softmax
            ? RowSoftmax.forward(logits.map { $0 / configuration.clusterTemperature }).map { $0 * Float(configuration.clusters) }
            : Sigmoid.forward(logits)
        return Forward(uniqueItems: unique, towerInput: x, towerHiddenPre: hPre, towerHidden: h,
                       itemVectors: f, aggregation: aggregation, profileRaw: raw, profileInput: q, headHiddenPre: aPre,
                       headHidden: a, layerNorm: cache, profile: z, clusters: s, attributes: batch.map(\.attributes))
    }

    /// Accumulates into `g` the gradients of a loss with gradient `dClusters` w.r.t. the cluster
    /// activations and (optionally) `dProfile` w.r.t. the profile z.
    public func backward(_ fw: Forward, dClusters: Matrix, dProfile: Matrix? = nil,
                         parameters p: ParameterSet, into g: inout GradientSet) {
        let k = Float(configuration.clusters)
        let dLogits = configuration.clusterActivation == .softmax
            ? RowSoftmax.backward(output: fw.clusters.map { $0 / k }, dOut: dClusters.map { $0 * k / configuration.clusterTemperature })
            : Sigmoid.backward(output: fw.clusters, dOut: dClusters)
        var dZ = Linear.backward(fw.profile, weight: p["cluster.w"], dOut: dLogits,
                                 gradients: &g.dense, weightName: "cluster.w", biasName: "cluster.b")
        if let dProfile { for k in 0..<dZ.values.count { dZ.values[k] += dProfile.values[k] } }
        let dZPre = LayerNorm.backward(fw.layerNorm, gain: p["head.gain"], dOut: dZ,
                                       gradients: &g.dense, gainName: "head.gain", biasName: "head.bias")
        let dA = Linear.backward(fw.headHidden, weight: p["head.w2"], dOut: dZPre,
                                 gradients: &g.dense, weightName: "head.w2", biasName: "head.b2")
        let dQ = Linear.backward(fw.profileInput, weight: p["head.w1"], dOut: ReLU.backward(input: fw.headHiddenPre, dOut: dA),
                                 gradients: &g.dense, weightName: "head.w1", biasName: "head.b1")
        let d = configuration.embeddingDim
        for k in attributeVocabularySizes.indices {
            let width = configuration.attributeDim
            let start = d + k * width
            g.addRows("attribute.\(k)", fw.attributes.map { $0[k] }, from: dQ.columns(start..<(start + width)))
        }
        let dRaw = Clip.backward(input: fw.profileRaw, dOut: dQ.columns(0..<d))
        var dF = Matrix(rows: fw.uniqueItems.count, cols: d)
        fw.aggregation.backward(dOut: dRaw, into: &dF)
        let dH = Linear.backward(fw.towerHidden, weight: p["tower.w2"], dOut: Tanh.backward(output: fw.itemVectors, dOut: dF),
                                 gradients: &g.dense, weightName: "tower.w2", biasName: "tower.b2")
        let dX = Linear.backward(fw.towerInput, weight: p["tower.w1"], dOut: ReLU.backward(input: fw.towerHiddenPre, dOut: dH),
                                 gradients: &g.dense, weightName: "tower.w1", biasName: "tower.b1")
        g.addRows("item.embedding", fw.uniqueItems, from: dX.columns(0..<d), distinct: true)
        if genreCount > 0 {
            let bag = SparseRows(indices: fw.uniqueItems.map { genreBag.indices[$0] },
                                 weights: fw.uniqueItems.map { genreBag.weights[$0] })
            bag.backward(dOut: dX.columns(d..<(d + configuration.genreDim)), into: &g.dense["genre.embedding"])
        }
    }
}
