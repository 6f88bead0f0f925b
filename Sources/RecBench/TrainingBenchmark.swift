import Foundation
import RecApp
import RecData
import RecEval
import RecInference
import RecModelFile
import RecTraining

/// `efficientrec bench-train`: training throughput and offline recommendation latency, with EASE's
/// full-catalogue scoring measured in the same run as the reference.
public struct TrainingBenchmark {
    public var interactions: String
    public var items: String?
    public var users: String?
    public var configuration: ModelConfiguration
    public var recommendUsers: Int
    /// Time recommendations on this model file instead of training one.
    public var trainedModel: String?
    /// Also time this model file, with its own ranking, in the same rounds (the cost reference).
    public var referenceModel: String?

    public init(interactions: String, items: String?, users: String?, configuration: ModelConfiguration, recommendUsers: Int) {
        self.interactions = interactions
        self.items = items
        self.users = users
        self.configuration = configuration
        self.recommendUsers = recommendUsers
    }

    public func run() throws(AppError) {
        let dataset = try AppError.wrap { try Dataset.load(interactions: interactions, items: items, users: users) }
        let model: RecommenderModel
        if let trainedModel {
            model = try AppError.wrap { try ModelFile.load(path: trainedModel) }
        } else {
            let started = Date()
            let built = try AppError.wrap {
                try ModelBuilder.build(dataset: dataset, configuration: configuration, progress: Terminal.trainingProgress(),
                                       status: { Terminal.log($0) })
            }
            let total = Date().timeIntervalSince(started)
            print("training: \(built.training)")
            print("training wall time including shortlists: " + String(format: "%.2f s", total))
            model = built.model
        }
        // Through item IDs, so a model file trained elsewhere gets the same users' histories.
        let raw = (0..<recommendUsers).map { dataset.log.history(of: $0 % dataset.log.users.count) }
        let mapped = raw.map { h in
            model.mapHistory(itemIDs: h.items.map { dataset.log.items[$0] }, ratings: h.ratings, timestamps: h.timestamps).0
        }
        let attributes = (0..<recommendUsers).map { dataset.userAttributeValues[$0 % dataset.log.users.count] }
        var checksum = 0
        // CPU time of this thread (recommend is single-threaded): on a busy machine wall time
        // measures the other processes as much as this one.
        func seconds(_ model: RecommenderModel, histories: [UserHistory]? = nil) -> Double {
            var vote = model.makeVote()
            let t0 = ProcessCPU.threadSeconds()
            for (h, a) in zip(histories ?? mapped, attributes) {
                checksum &+= model.recommend(history: h, attributes: a, k: 50, vote: &vote).items.first?.index ?? 0
            }
            return ProcessCPU.threadSeconds() - t0
        }
        // The configured ranking and the vote alone (and the reference model), interleaved over
        // rounds (medians), so a busy machine slows them alike.
        let rankings = model.ranksTwoStage ? [model, model.withRanking(.vote)] : [model]
        if let referenceModel {
            let reference = try AppError.wrap { try ModelFile.load(path: referenceModel) }
            let itsHistories = raw.map { h in
                reference.mapHistory(itemIDs: h.items.map { dataset.log.items[$0] }, ratings: h.ratings, timestamps: h.timestamps).0
            }
            let rounds = 5
            var pair: [[Double]] = [[], []]
            for _ in 0..<rounds { pair[0].append(seconds(model)); pair[1].append(seconds(reference, histories: itsHistories)) }
            let (a, b) = (pair[0].sorted()[rounds / 2], pair[1].sorted()[rounds / 2])
            print("this model against the reference \(referenceModel) (\(reference.configuration.ranking.rawValue), "
                  + "\(reference.configuration.shortlistSource.rawValue) shortlists), thread CPU time, median of \(rounds): "
                  + String(format: "%.1f us/user against %.1f us/user, %.2fx", a / Double(recommendUsers) * 1e6,
                           b / Double(recommendUsers) * 1e6, a / max(b, 1e-9)))
        }
        var times = rankings.map { _ in [Double]() }
        for _ in 0..<3 { for (k, m) in rankings.enumerated() { times[k].append(seconds(m)) } }
        let medians = times.map { $0.sorted()[1] }
        let efficient = medians[0]
        print("recommend \(recommendUsers) users (k=50, \(model.configuration.ranking.rawValue), thread CPU time, median of 3): "
              + String(format: "%.3f s, %.1f us/user", efficient, efficient / Double(recommendUsers) * 1e6))
        if medians.count > 1 {
            print("  the vote alone on the same model: " + String(format: "%.3f s, %.1f us/user; two-stage costs %.2fx the vote",
                                                                  medians[1], medians[1] / Double(recommendUsers) * 1e6, medians[0] / max(medians[1], 1e-9)))
            // The cost of N: the same model with each item's weights cut to fewer, against the vote.
            for n in [25, 50, 100] where n < model.configuration.itemModelNeighbours {
                let cut = model.replacing(itemModel: model.itemModel?.keepingStrongest(n))
                var pair: [[Double]] = [[], []]
                for _ in 0..<3 { pair[0].append(seconds(cut)); pair[1].append(seconds(rankings[1])) }
                let (a, b) = (pair[0].sorted()[1], pair[1].sorted()[1])
                print("  N = \(n): " + String(format: "%.1f us/user, %.2fx the vote (%.1f us/user in the same rounds)",
                                              a / Double(recommendUsers) * 1e6, a / max(b, 1e-9), b / Double(recommendUsers) * 1e6))
            }
        }
        if dataset.log.items.count <= EASE.defaultMaxItems {
            let ease = try AppError.wrap { try EASERecommender(train: dataset) }
            let t1 = Date()
            for (h, a) in zip(raw, attributes) { checksum &+= ease.recommend(history: h, attributes: a, k: 50).first ?? 0 }
            let reference = Date().timeIntervalSince(t1)
            print("reference: EASE full-catalogue scoring: " + String(format: "%.3f s, %.1f us/user; EfficientRec is %.1fx faster",
                                                                     reference, reference / Double(recommendUsers) * 1e6, reference / max(efficient, 1e-9)))
        }
        print("(checksum \(checksum))")
    }
}
