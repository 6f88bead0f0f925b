import Foundation
import RecData
import RecEval
import RecModel

/// `efficientrec bench-train`: training throughput and offline recommendation latency, with EASE's
/// full-catalogue scoring measured in the same run as the reference.
public struct TrainingBenchmark {
    public var interactions: String
    public var items: String?
    public var users: String?
    public var configuration: ModelConfiguration
    public var recommendUsers: Int

    public init(interactions: String, items: String?, users: String?, configuration: ModelConfiguration, recommendUsers: Int) {
        self.interactions = interactions
        self.items = items
        self.users = users
        self.configuration = configuration
        self.recommendUsers = recommendUsers
    }

    public func run() throws(AppError) {
        let dataset = try AppError.wrap { try Dataset.load(interactions: interactions, items: items, users: users) }
        let started = Date()
        let built = try AppError.wrap { try ModelBuilder.build(dataset: dataset, configuration: configuration) }
        let total = Date().timeIntervalSince(started)
        print("training: \(built.training)")
        print("training wall time including shortlists: " + String(format: "%.2f s", total))
        let histories = (0..<recommendUsers).map { dataset.log.history(of: $0 % dataset.log.users.count) }
        let attributes = (0..<recommendUsers).map { dataset.userAttributeValues[$0 % dataset.log.users.count] }
        var vote = built.model.makeVote()
        let t0 = Date()
        var checksum = 0
        for (h, a) in zip(histories, attributes) {
            checksum &+= built.model.recommend(history: h, attributes: a, k: 50, vote: &vote).items.first?.index ?? 0
        }
        let efficient = Date().timeIntervalSince(t0)
        print("recommend \(recommendUsers) users (k=50): " + String(format: "%.3f s, %.1f us/user", efficient, efficient / Double(recommendUsers) * 1e6))
        if dataset.log.items.count <= EASE.defaultMaxItems {
            let ease = try AppError.wrap { try EASERecommender(train: dataset) }
            let t1 = Date()
            for (h, a) in zip(histories, attributes) { checksum &+= ease.recommend(history: h, attributes: a, k: 50).first ?? 0 }
            let reference = Date().timeIntervalSince(t1)
            print("reference: EASE full-catalogue scoring: " + String(format: "%.3f s, %.1f us/user; EfficientRec is %.1fx faster",
                                                                     reference, reference / Double(recommendUsers) * 1e6, reference / max(efficient, 1e-9)))
        }
        print("(checksum \(checksum))")
    }
}
