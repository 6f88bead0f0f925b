import Foundation
import RecData
import RecEval
import RecInference
import RecMath
import RecTraining
import RecVote

/// The EfficientRec rows of `evaluate`: each configuration trained and scored, and for the main
/// one ("efficientrec") the sweeps and comparisons the options ask for, all scored on the same
/// split with the trained model.
extension EvaluateJob {
    /// Trains the variant `name` on `train` and scores it (after the two-stage ranking sweep, when
    /// asked for); the main variant also with its extra rows.
    func scoreVariant(
        _ name: String, configuration config: ModelConfiguration, protocolRun: StrongGeneralization,
        train: Dataset
    ) throws(AppError) -> [ModelScores] {
        let isMain = name == "efficientrec"
        var config = config
        if sweepRanking && isMain {
            config.itemModelNeighbours = max(config.itemModelNeighbours, Self.rankingSweep.neighbours.max() ?? 0)
        }
        let (built, seconds) = try timed(name) {
            try ModelBuilder.build(
                dataset: train, configuration: config,
                progress: quiet ? nil : Terminal.trainingProgress(),
                status: quiet ? nil : { Terminal.log("\(name): " + $0) })
        }
        var scores: [ModelScores] = []
        var model = built.model
        if sweepRanking && isMain, let itemModel = model.itemModel {
            model = scoreRankingSweep(model, fittedWith: itemModel, protocolRun: protocolRun, trainSeconds: seconds, into: &scores)
        }
        scores += protocolRun.score(EfficientRecRecommender(name: name, model: model), trainSeconds: seconds).map { s in
            var s = s
            s.clusterSizes = built.clusterStatistics.clusterSizes
            return s
        }
        if isMain {
            scores += try scoreMainExtras(
                model, built: built, configuration: config, protocolRun: protocolRun, train: train,
                trainSeconds: seconds)
        }
        return scores
    }

    /// The main model's extra rows, in this order: the vote alone and the item–item model alone
    /// (when it has one, with the pool recall logged; then the cluster statistics are logged), the
    /// item–item fits compared, the pool sweep, the decoder bound and the shortlist variants, each
    /// when asked for.
    private func scoreMainExtras(
        _ model: RecommenderModel, built: ModelBuilder.Result, configuration config: ModelConfiguration,
        protocolRun: StrongGeneralization, train: Dataset,
        trainSeconds seconds: Double
    ) throws(AppError) -> [ModelScores] {
        var scores: [ModelScores] = []
        if let itemModel = model.itemModel {
            scores += protocolRun.score(EfficientRecRecommender(name: "efficientrec-vote", model: model.withRanking(.vote)), trainSeconds: seconds)
            scores += protocolRun.score(ItemItemRecommender(weights: itemModel, itemCount: model.items.count), trainSeconds: seconds)
            let scale = train.ratingScale
            Terminal.log(
                PoolRecall(
                    model: model, cases: protocolRun.testCases, threshold: scale.likeThreshold, implicit: scale.implicit,
                    unrated: scale.unrated
                ).description)
        }
        Terminal.log(built.clusterStatistics.description)
        if compareItemModels { scores += try scoreItemModelFits(model, protocolRun: protocolRun, train: train) }
        if sweepPool { scores += scorePoolSweep(model: model, protocolRun: protocolRun, train: train, trainSeconds: seconds) }
        if decoderBound, let decoder = built.decoder {
            scores += protocolRun.score(DecoderBoundRecommender(model: model, decoder: decoder), trainSeconds: seconds)
        }
        if sweepShortlists {
            for variant in Self.shortlistVariants(config, hasDecoder: built.decoder != nil) {
                let model = ModelBuilder.rebuildingShortlists(model, configuration: variant, dataset: train, decoder: built.decoder)
                let label =
                    "sl:" + variant.shortlistSource.rawValue
                    + (variant.shortlistSource == .members ? "/" + variant.shortlistAggregation.rawValue : "")
                    + "/" + variant.voteReduction.rawValue
                scores += protocolRun.score(EfficientRecRecommender(name: label, model: model), trainSeconds: seconds)
            }
        }
        return scores
    }

    /// Scores the two-stage ranking for every N of `rankingSweep` up to the N the model was fitted
    /// with, blend scale and vote weight; returns the model cut back to the configured N.
    private func scoreRankingSweep(
        _ model: RecommenderModel, fittedWith itemModel: ItemItemWeights, protocolRun: StrongGeneralization,
        trainSeconds seconds: Double, into scores: inout [ModelScores]
    ) -> RecommenderModel {
        var c = model.configuration
        let fitted = c.itemModelNeighbours
        c.itemModelNeighbours = configuration.itemModelNeighbours
        let configured = model.replacing(itemModel: itemModel.keepingStrongest(configuration.itemModelNeighbours), configuration: c)
        for n in Self.rankingSweep.neighbours where n <= fitted {
            let cut = itemModel.keepingStrongest(n)
            for scale in ModelConfiguration.BlendScale.allCases {
                for w in scale == .bound ? Self.boundVoteWeights : Self.rankingSweep.voteWeights {
                    var v = c
                    v.itemModelNeighbours = n
                    v.voteWeight = w
                    v.blendScale = scale
                    let label = "2s:N\(n)/b\(w)" + (scale == .poolMaximum ? "" : "/" + scale.rawValue)
                    scores += protocolRun.score(
                        EfficientRecRecommender(name: label, model: configured.replacing(itemModel: cut, configuration: v)),
                        trainSeconds: seconds)
                }
            }
        }
        return configured
    }

    /// The item–item model fitted by each method on `train` (EASE only while the catalogue fits
    /// its dense inverse), each scored as the two-stage ranking with the trained clusters and
    /// alone over the catalogue; the fit time is the row's training time.
    private func scoreItemModelFits(
        _ model: RecommenderModel, protocolRun: StrongGeneralization,
        train: Dataset
    ) throws(AppError) -> [ModelScores] {
        var scores: [ModelScores] = []
        for (label, method, support) in [("ease", ItemItemFit.Method.ease, 0), ("nbhd64", .neighbourhood, 64), ("nbhd256", .neighbourhood, 256)]
        where method != .ease || model.items.count <= ItemItemFit.maxDenseItems {
            var settings = model.configuration.itemItemSettings()
            settings.method = method
            if support > 0 { settings.support = support }
            let (weights, fitSeconds) = try timed("item-item model \(label)") {
                try ItemItemFit.fit(log: train.log, settings: settings, status: quiet ? nil : { Terminal.log($0) })
            }
            var c = model.configuration
            c.ranking = .twoStage
            scores += protocolRun.score(
                EfficientRecRecommender(name: "2s:" + label, model: model.replacing(itemModel: weights, configuration: c)),
                trainSeconds: fitSeconds)
            scores += protocolRun.score(
                ItemItemRecommender(name: "ii:" + label, weights: weights, itemCount: model.items.count),
                trainSeconds: fitSeconds)
        }
        return scores
    }

    /// The pool shapes of `poolSweep` (member aggregation × L × C), each with its pool recall
    /// logged, scored as the two-stage ranking at every vote weight of the sweep.
    private func scorePoolSweep(
        model: RecommenderModel, protocolRun: StrongGeneralization,
        train: Dataset, trainSeconds: Double
    ) -> [ModelScores] {
        var scores: [ModelScores] = []
        let scale = train.ratingScale
        let sweep = poolSweep
        for aggregation in sweep.aggregations {
            for length in sweep.lengths {
                for top in sweep.topClusters {
                    var c = model.configuration
                    c.shortlistSource = .members
                    c.shortlistAggregation = aggregation
                    c.shortlistLength = length
                    c.topClusters = top
                    let rebuilt = ModelBuilder.rebuildingShortlists(model, configuration: c, dataset: train, decoder: nil)
                    let label = "pool:\(aggregation.rawValue)/L\(length)/C\(top)"
                    let recall = PoolRecall(
                        model: rebuilt, cases: protocolRun.testCases, threshold: scale.likeThreshold,
                        implicit: scale.implicit, unrated: scale.unrated, comparingItemItem: false)
                    if !quiet { Terminal.log(label + " " + recall.description) }
                    for w in sweep.voteWeights {
                        var v = c
                        v.voteWeight = w
                        scores += protocolRun.score(
                            EfficientRecRecommender(name: label + "/b\(w)", model: rebuilt.replacing(itemModel: rebuilt.itemModel, configuration: v)),
                            trainSeconds: trainSeconds)
                    }
                }
            }
        }
        return scores
    }

    /// The configurations of `sweepShortlists`: every shortlist source (weights only with a
    /// decoder) × member aggregation × vote reduction.
    static func shortlistVariants(_ base: ModelConfiguration, hasDecoder: Bool) -> [ModelConfiguration] {
        var out: [ModelConfiguration] = []
        for reduction in ModelConfiguration.VoteReduction.allCases {
            if hasDecoder {
                var v = base
                v.shortlistSource = .weights
                v.voteReduction = reduction
                out.append(v)
            }
            for aggregation in ModelConfiguration.ShortlistAggregation.allCases {
                var v = base
                v.shortlistSource = .members
                v.shortlistAggregation = aggregation
                v.voteReduction = reduction
                out.append(v)
            }
        }
        return out
    }
}
