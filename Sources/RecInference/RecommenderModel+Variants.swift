import RecData
import RecMath
import RecVote

/// Copies of a model with one part changed: its ranking, its item–item model or its encoder parameters.
extension RecommenderModel {
    /// The same model ranking with `ranking`, `voteWeight` and `blendScale` (for comparisons; the
    /// item–item model stays).
    public func withRanking(
        _ ranking: ModelConfiguration.Ranking, voteWeight: Float? = nil,
        blendScale: ModelConfiguration.BlendScale? = nil
    ) -> RecommenderModel {
        var c = configuration
        c.ranking = ranking
        if let voteWeight { c.voteWeight = voteWeight }
        if let blendScale { c.blendScale = blendScale }
        return replacing(itemModel: itemModel, configuration: c)
    }

    /// The same encoder, shortlists and catalogue with another item–item model (and configuration).
    public func replacing(itemModel: ItemItemWeights?, configuration: ModelConfiguration? = nil) -> RecommenderModel {
        var copy = RecommenderModel(
            configuration: configuration ?? self.configuration, items: items, itemFeatures: itemFeatures,
            attributes: attributes, parameters: parameters, shortlists: shortlists, popularity: popularity,
            itemBias: itemBias, itemModel: itemModel)
        copy.version = version
        return copy
    }

    /// The same model with other encoder parameters (e.g. the balanced assignment's output bias).
    public func replacing(parameters: ParameterSet) -> RecommenderModel {
        var copy = RecommenderModel(
            configuration: configuration, items: items, itemFeatures: itemFeatures, attributes: attributes,
            parameters: parameters, shortlists: shortlists, popularity: popularity, itemBias: itemBias,
            itemModel: itemModel)
        copy.version = version
        return copy
    }
}
