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
        let model = try trainedOrLoadedModel(dataset)
        var timer = RecommendTimer(dataset: dataset, users: recommendUsers, model: model)
        if let referenceModel { try compare(model, withReference: referenceModel, timer: &timer) }
        // The configured ranking and the vote alone, interleaved over rounds (medians), so a busy
        // machine slows them alike.
        let rankings = model.ranksTwoStage ? [model, model.withRanking(.vote)] : [model]
        var times = rankings.map { _ in [Double]() }
        for _ in 0..<3 { for (k, m) in rankings.enumerated() { times[k].append(timer.seconds(m)) } }
        let medians = times.map { $0.sorted()[1] }
        let efficient = medians[0]
        print(
            "recommend \(recommendUsers) users (k=50, \(model.configuration.ranking.rawValue), thread CPU time, median of 3): "
                + String(format: "%.3f s, %.1f us/user", efficient, efficient / Double(recommendUsers) * 1e6))
        if medians.count > 1 {
            print(
                "  the vote alone on the same model: "
                    + String(
                        format: "%.3f s, %.1f us/user; two-stage costs %.2fx the vote",
                        medians[1], medians[1] / Double(recommendUsers) * 1e6, medians[0] / max(medians[1], 1e-9)))
            timeNeighbourCuts(model, against: rankings[1], timer: &timer)
        }
        if dataset.log.items.count <= EASE.defaultMaxItems {
            try timeEASE(dataset, against: efficient, timer: &timer)
        }
        print("(checksum \(timer.checksum))")
    }

    /// The model file `trainedModel`, or a model trained here on `dataset` (its training time printed).
    private func trainedOrLoadedModel(_ dataset: Dataset) throws(AppError) -> RecommenderModel {
        if let trainedModel { return try AppError.wrap { try ModelFile.load(path: trainedModel) } }
        let started = Date()
        let built = try AppError.wrap {
            try ModelBuilder.build(
                dataset: dataset, configuration: configuration, progress: Terminal.trainingProgress(),
                status: { Terminal.log($0) })
        }
        let total = Date().timeIntervalSince(started)
        print("training: \(built.training)")
        print("training wall time including shortlists: " + String(format: "%.2f s", total))
        return built.model
    }

    /// Times recommendations for the same users on a model, in CPU time of this thread (recommend is
    /// single-threaded): on a busy machine wall time measures the other processes as much as this
    /// one. The checksum of the top items keeps the work from being optimised away.
    private struct RecommendTimer {
        let dataset: Dataset
        /// The first `users` users' histories (cycling when there are fewer), as logged.
        let raw: [UserHistory]
        /// The same histories mapped onto the timed model through item IDs, so a model file trained
        /// elsewhere gets the same users' histories.
        let mapped: [UserHistory]
        let attributes: [[Int]]
        var checksum = 0

        init(dataset: Dataset, users: Int, model: RecommenderModel) {
            self.dataset = dataset
            raw = (0..<users).map { dataset.log.history(of: $0 % dataset.log.users.count) }
            attributes = (0..<users).map { dataset.userAttributeValues[$0 % dataset.log.users.count] }
            mapped = Self.map(raw, of: dataset, onto: model)
        }

        /// The histories mapped onto `model`'s items.
        func histories(for model: RecommenderModel) -> [UserHistory] { Self.map(raw, of: dataset, onto: model) }

        private static func map(_ raw: [UserHistory], of dataset: Dataset, onto model: RecommenderModel) -> [UserHistory] {
            raw.map { h in
                model.mapHistory(itemIDs: h.items.map { dataset.log.items[$0] }, ratings: h.ratings, timestamps: h.timestamps).0
            }
        }

        /// Seconds to recommend 50 items for every user on `model` (from `histories`, else the mapped ones).
        mutating func seconds(_ model: RecommenderModel, histories: [UserHistory]? = nil) -> Double {
            var vote = model.makeVote()
            let t0 = ProcessCPU.threadSeconds()
            for (h, a) in zip(histories ?? mapped, attributes) {
                checksum &+= model.recommend(history: h, attributes: a, k: 50, vote: &vote).items.first?.index ?? 0
            }
            return ProcessCPU.threadSeconds() - t0
        }
    }

    /// This model against the reference model file, each with its own ranking, interleaved over 5
    /// rounds (medians).
    private func compare(_ model: RecommenderModel, withReference path: String, timer: inout RecommendTimer) throws(AppError) {
        let reference = try AppError.wrap { try ModelFile.load(path: path) }
        let itsHistories = timer.histories(for: reference)
        let rounds = 5
        var pair: [[Double]] = [[], []]
        for _ in 0..<rounds { pair[0].append(timer.seconds(model)); pair[1].append(timer.seconds(reference, histories: itsHistories)) }
        let (a, b) = (pair[0].sorted()[rounds / 2], pair[1].sorted()[rounds / 2])
        print(
            "this model against the reference \(path) (\(reference.configuration.ranking.rawValue), "
                + "\(reference.configuration.shortlistSource.rawValue) shortlists), thread CPU time, median of \(rounds): "
                + String(
                    format: "%.1f us/user against %.1f us/user, %.2fx", a / Double(recommendUsers) * 1e6,
                    b / Double(recommendUsers) * 1e6, a / max(b, 1e-9)))
    }

    /// The cost of N: the same model with each item's weights cut to fewer, against the vote.
    private func timeNeighbourCuts(_ model: RecommenderModel, against vote: RecommenderModel, timer: inout RecommendTimer) {
        for n in [25, 50, 100] where n < model.configuration.itemModelNeighbours {
            let cut = model.replacing(itemModel: model.itemModel?.keepingStrongest(n))
            var pair: [[Double]] = [[], []]
            for _ in 0..<3 { pair[0].append(timer.seconds(cut)); pair[1].append(timer.seconds(vote)) }
            let (a, b) = (pair[0].sorted()[1], pair[1].sorted()[1])
            print(
                "  N = \(n): "
                    + String(
                        format: "%.1f us/user, %.2fx the vote (%.1f us/user in the same rounds)",
                        a / Double(recommendUsers) * 1e6, a / max(b, 1e-9), b / Double(recommendUsers) * 1e6))
        }
    }

    /// The reference: EASE's full-catalogue scoring for the same users (wall time), against
    /// `efficient` seconds.
    private func timeEASE(_ dataset: Dataset, against efficient: Double, timer: inout RecommendTimer) throws(AppError) {
        let ease = try AppError.wrap { try EASERecommender(train: dataset) }
        let t1 = Date()
        for (h, a) in zip(timer.raw, timer.attributes) { timer.checksum &+= ease.recommend(history: h, attributes: a, k: 50).first ?? 0 }
        let reference = Date().timeIntervalSince(t1)
        print(
            "reference: EASE full-catalogue scoring: "
                + String(
                    format: "%.3f s, %.1f us/user; EfficientRec is %.1fx faster",
                    reference, reference / Double(recommendUsers) * 1e6, reference / max(efficient, 1e-9)))
    }
}
