import RecInference
import RecMath

extension Encoder {
    /// Accumulates into `g` the gradients of a loss with gradient `dClusters` w.r.t. the cluster
    /// activations and (optionally) `dProfile` w.r.t. the profile z.
    public func backward(
        _ fw: Forward, dClusters: Matrix, dProfile: Matrix? = nil,
        parameters p: ParameterSet, into g: inout GradientSet
    ) {
        let k = Float(configuration.clusters)
        let dLogits =
            configuration.clusterActivation == .softmax
            ? RowSoftmax.backward(output: fw.clusters.map { $0 / k }, dOut: dClusters.map { $0 * k / configuration.clusterTemperature })
            : Sigmoid.backward(output: fw.clusters, dOut: dClusters)
        var dZ = Linear.backward(
            fw.profile, weight: p["cluster.w"], dOut: dLogits,
            gradients: &g.dense, weightName: "cluster.w", biasName: "cluster.b")
        if let dProfile { for k in 0..<dZ.values.count { dZ.values[k] += dProfile.values[k] } }
        let dZPre = LayerNorm.backward(
            fw.layerNorm, gain: p["head.gain"], dOut: dZ,
            gradients: &g.dense, gainName: "head.gain", biasName: "head.bias")
        let dA = Linear.backward(
            fw.headHidden, weight: p["head.w2"], dOut: dZPre,
            gradients: &g.dense, weightName: "head.w2", biasName: "head.b2")
        let dQ = Linear.backward(
            fw.profileInput, weight: p["head.w1"], dOut: ReLU.backward(input: fw.headHiddenPre, dOut: dA),
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
        let dH = Linear.backward(
            fw.towerHidden, weight: p["tower.w2"], dOut: Tanh.backward(output: fw.itemVectors, dOut: dF),
            gradients: &g.dense, weightName: "tower.w2", biasName: "tower.b2")
        let dX = Linear.backward(
            fw.towerInput, weight: p["tower.w1"], dOut: ReLU.backward(input: fw.towerHiddenPre, dOut: dH),
            gradients: &g.dense, weightName: "tower.w1", biasName: "tower.b1")
        g.addRows("item.embedding", fw.uniqueItems, from: dX.columns(0..<d), distinct: true)
        if genreCount > 0 {
            let bag = SparseRows(
                indices: fw.uniqueItems.map { genreBag.indices[$0] },
                weights: fw.uniqueItems.map { genreBag.weights[$0] })
            bag.backward(dOut: dX.columns(d..<(d + configuration.genreDim)), into: &g.dense["genre.embedding"])
        }
    }
}
