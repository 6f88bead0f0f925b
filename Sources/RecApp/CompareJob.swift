import Foundation
import RecData
import RecEval
import RecInference
import RecMath
import RecModelFile
import RecTraining

/// `efficientrec compare`: one brand-new user's top k from a model (offline, exactly what the
/// cluster answers) next to EASE's (λ = 500, fitted on the interactions file, the whole catalogue),
/// with each item's popularity rank (1 = the item most users interacted with) and each list's mean
/// rank — so a reader sees whether a list is personal or merely popular (the persona check).
/// TSV on standard output: `model	rank	item	popularity_rank`.
public struct CompareJob {
    public var model: String
    public var interactions: String
    public var items: String?
    public var history: String
    public var k: Int
    public var lambda: Float = 500

    public init(model: String, interactions: String, items: String?, history: String, k: Int) {
        self.model = model
        self.interactions = interactions
        self.items = items
        self.history = history
        self.k = k
    }

    public struct Ranked: Sendable {
        public var name: String
        public var itemIDs: [String]
        public var popularityRanks: [Int]
        public var meanPopularityRank: Double { Double(popularityRanks.reduce(0, +)) / Double(max(1, popularityRanks.count)) }
    }

    public struct Outcome: Sendable {
        public var lists: [Ranked]
        /// History item IDs that neither the model nor the data set knows.
        public var unknownItems: Int
        /// Items in the data set the popularity ranks are counted over.
        public var catalogueItems = 0
    }

    /// A self-contained HTML page with both lists and their popularity.
    public var report: String?

    @discardableResult
    public func run() throws(AppError) -> Outcome {
        guard k >= 1, k <= RecommendJob.maxK else { throw AppError("-k must be between 1 and \(RecommendJob.maxK)") }
        let (ids, ratings) = try QueryJob.parseHistory(history)
        let loaded = try AppError.wrap { try ModelFile.load(path: model) }
        let dataset = try AppError.wrap { try Dataset.load(interactions: interactions, items: items) }
        let all = Array(0..<dataset.log.users.count)
        let metrics = BeyondAccuracyMetrics(log: dataset.log, users: all, genres: dataset.itemFeatures.genres)
        func rank(_ id: String) -> Int { dataset.log.items.index(of: id).map { metrics.popularityRank[$0] } ?? dataset.log.items.count + 1 }

        let (mapped, unknown) = loaded.mapHistory(itemIDs: ids, ratings: ratings)
        var vote = loaded.makeVote()
        let ours = loaded.recommend(history: mapped, attributes: loaded.attributes.encode(nil), k: k, vote: &vote)
        let ourIDs = ours.items.map { loaded.items[$0.index] }

        let ease = try AppError.wrap { try EASERecommender(train: dataset, lambda: lambda) }
        var known: [Int] = [], knownRatings: [Float] = []
        for (id, r) in zip(ids, ratings) { if let i = dataset.log.items.index(of: id) { known.append(i); knownRatings.append(r) } }
        let easeIDs = ease.recommend(history: UserHistory(items: known, ratings: knownRatings), attributes: [], k: k)
            .map { dataset.log.items[$0] }

        let lists = [
            Ranked(name: "efficientrec", itemIDs: ourIDs, popularityRanks: ourIDs.map(rank)),
            Ranked(name: "ease", itemIDs: easeIDs, popularityRanks: easeIDs.map(rank))
        ]
        var text = "model\trank\titem\tpopularity_rank\n"
        for list in lists {
            for (n, (id, r)) in zip(list.itemIDs, list.popularityRanks).enumerated() { text += "\(list.name)\t\(n + 1)\t\(id)\t\(r)\n" }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        Terminal.log(
            lists.map { "\($0.name): mean popularity rank " + String(format: "%.1f", $0.meanPopularityRank) }
                .joined(separator: "; ") + " (1 = the most popular of \(dataset.log.items.count) items); "
                + "\(unknown) history items unknown to the model")
        let outcome = Outcome(lists: lists, unknownItems: unknown, catalogueItems: dataset.log.items.count)
        if let report { try ReportPages.comparison(outcome, history: history, items: outcome.catalogueItems).write(to: report) }
        return outcome
    }
}
