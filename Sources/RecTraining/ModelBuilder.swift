import Foundation
import RecData
import RecInference
import RecMath

/// Trains the encoder and builds everything a served model holds: shortlists and the popularity list.
public enum ModelBuilder {
    public struct Result: Sendable {
        public var model: RecommenderModel
        public var training: TrainingSummary
        public var clusterStatistics: ClusterStatistics
        /// The learned items × K decoder (recommendation objectives), kept out of the model file.
        public var decoder: Matrix?
    }

    public static func build(
        dataset: Dataset, configuration: ModelConfiguration,
        progress: ((TrainingProgress) -> Void)? = nil, status: ((String) -> Void)? = nil
    ) throws(MathError) -> Result {
        let trainer = Trainer(configuration: configuration, dataset: dataset)
        let trained = try trainer.train(progress: progress, status: status)
        var c = trainer.configuration
        // Pinned (the same values the encoder computed), so items added later do not move it.
        c.yearNormalization = c.yearNormalization ?? .fit(dataset.itemFeatures.years)
        let popularity = Self.popularity(dataset)
        let itemModel = c.ranking == .twoStage ? try ItemItemFit.fit(log: dataset.log, settings: c.itemItemSettings(), status: status) : nil
        var model = RecommenderModel(
            configuration: c, items: dataset.log.items, itemFeatures: dataset.itemFeatures,
            attributes: dataset.attributes, parameters: trained.parameters,
            shortlists: Shortlists(lists: Array(repeating: [], count: c.clusters)), popularity: popularity,
            itemBias: trained.parameters.contains("decoder.bias") ? trained.parameters["decoder.bias"].values : [],
            itemModel: itemModel)
        let decoder = trained.parameters.contains("decoder.items") ? trained.parameters["decoder.items"] : nil
        let inputs = (0..<dataset.log.users.count).map {
            ProfileInput.from(history: dataset.log.history(of: $0), attributes: dataset.userAttributeValues[$0], configuration: c)
        }
        if c.clusterBalance > 0 {
            let start = DispatchTime.now().uptimeNanoseconds
            let balanced = ClusterBalancing.balanced(
                model: model, inputs: inputs, fraction: c.clusterBalance,
                users: c.clusterBalanceUsers, threads: c.threads)
            model = model.replacing(parameters: balanced.parameters)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            status?("balanced assignment: cluster offsets fitted on \(balanced.fittedOn) training users in " + String(format: "%.1f s", seconds))
        }
        // One pass of the encoder over the training users gives both the printed statistics and
        // the cluster sizes the shortlists are scaled by (neither depends on the shortlists).
        let statistics = ClusterStatistics(model: model, inputs: inputs)
        model = rebuildingShortlists(model, configuration: c, dataset: dataset, decoder: decoder, clusterSizes: statistics.clusterSizes)
        return Result(model: model, training: trained.summary, clusterStatistics: statistics, decoder: decoder)
    }

    /// The same encoder with shortlists and voting rebuilt under `configuration` (its shortlist
    /// source, aggregation, length and vote reduction); used for the shortlist ablation and for
    /// refreshing shortlists from new interaction logs without retraining.
    /// `clusterSizes`, when given, are the training users per cluster under this encoder and C
    /// (else they are counted here when the configuration scales by cluster size).
    public static func rebuildingShortlists(
        _ model: RecommenderModel, configuration c: ModelConfiguration,
        dataset: Dataset, decoder: Matrix?, clusterSizes: [Int]? = nil
    ) -> RecommenderModel {
        var c = c
        if c.shortlistSource == .weights && decoder == nil { c.shortlistSource = .members }
        let base = RecommenderModel(
            configuration: c, items: model.items, itemFeatures: model.itemFeatures,
            attributes: model.attributes, parameters: model.parameters,
            shortlists: model.shortlists, popularity: model.popularity, itemBias: model.itemBias,
            itemModel: model.itemModel)
        var shortlists: Shortlists
        switch c.shortlistSource {
        case .weights:
            let ranking = c.shortlistRanking == .logit && !model.itemBias.isEmpty ? model.itemBias : nil
            shortlists = Shortlists.fromDecoder(decoder!, length: c.shortlistLength, rankingBias: ranking)
        case .members: shortlists = memberShortlists(model: base, dataset: dataset)
        }
        if c.clusterSizeExponent > 0 {
            let sizes = clusterSizes ?? Self.clusterSizes(model: base, dataset: dataset)
            shortlists = shortlists.scaled(by: clusterSizeFactors(sizes: sizes, exponent: c.clusterSizeExponent))
        }
        return RecommenderModel(
            configuration: c, items: model.items, itemFeatures: model.itemFeatures,
            attributes: model.attributes, parameters: model.parameters,
            shortlists: shortlists, popularity: model.popularity, itemBias: model.itemBias,
            itemModel: model.itemModel)
    }

    /// Shortlists counted from the training users' top-C clusters. Also how a model's
    /// shortlists are rebuilt from fresh interaction logs without retraining the encoder.
    public static func memberShortlists(model: RecommenderModel, dataset: Dataset) -> Shortlists {
        let c = model.configuration
        let memberships = (0..<dataset.log.users.count).map { u in
            let input = ProfileInput.from(
                history: dataset.log.history(of: u), attributes: dataset.userAttributeValues[u],
                configuration: c)
            return input.isEmpty ? [] : model.topClusters(model.clusterActivations(input))
        }
        return Shortlists.fromMembers(
            memberships: memberships, histories: { dataset.log.history(of: $0) },
            itemCount: model.items.count, clusterCount: c.clusters, scale: dataset.ratingScale,
            aggregation: c.shortlistAggregation, smoothing: c.smoothing, length: c.shortlistLength)
    }

    /// Per cluster, the number of training users with it among their top C.
    public static func clusterSizes(model: RecommenderModel, dataset: Dataset) -> [Int] {
        let c = model.configuration
        var sizes = [Int](repeating: 0, count: c.clusters)
        for u in 0..<dataset.log.users.count {
            let input = ProfileInput.from(history: dataset.log.history(of: u), attributes: dataset.userAttributeValues[u], configuration: c)
            guard !input.isEmpty else { continue }
            for (k, _) in model.topClusters(model.clusterActivations(input)) { sizes[k] += 1 }
        }
        return sizes
    }

    /// The training users' cluster-size factors of `model` (see `clusterSizeFactors(sizes:exponent:)`).
    public static func clusterSizeFactors(model: RecommenderModel, dataset: Dataset, exponent: Float) -> [Float] {
        clusterSizeFactors(sizes: clusterSizes(model: model, dataset: dataset), exponent: exponent)
    }

    /// Per cluster, (mean size / size)^exponent over the used clusters' mean (an unused cluster gets
    /// the factor of a one-user cluster).
    public static func clusterSizeFactors(sizes: [Int], exponent: Float) -> [Float] {
        let used = sizes.filter { $0 > 0 }
        let mean = Double(used.reduce(0, +)) / Double(max(1, used.count))
        return sizes.map { Float(Foundation.pow(mean / Double(max(1, $0)), Double(exponent))) }
    }

    /// Items by decreasing number of users who liked them (ties: lower index); at most 1,000 kept.
    public static func popularity(_ dataset: Dataset, limit: Int = 1000) -> [Int] {
        var counts = [Float](repeating: 0, count: dataset.log.items.count)
        for k in 0..<dataset.log.interactionCount where dataset.ratingScale.isLiked(dataset.log.ratings[k]) {
            counts[Int(dataset.log.itemIndices[k])] += 1
        }
        return TopK.select(counts, k: limit).map(\.index)
    }
}
