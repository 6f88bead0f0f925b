import Dispatch
import Foundation
import RecData
import RecInference
import RecMath
import RecModelFile

/// `efficientrec recommend`: for every user of a histories file, a profile from that history alone,
/// written as TSV `user	item	rank	score` (k rows per user, rank 1 first, no history items).
public struct RecommendJob {
    public var model: String
    public var histories: String
    public var users: String?
    public var k: Int
    public var output: String?
    public var quiet = false
    /// Applied to every user, before the vote, as the coordinator applies a request's filter.
    public var filter = RequestFilter()
    /// Print each voted item's explanation as two more columns (clusters and their shares; the
    /// history items most like it).
    public var explain = false
    /// Rank the pool another way than the model was built to (`vote` for comparison; `two-stage`
    /// needs the model's item–item section).
    public var ranking: ModelConfiguration.Ranking?
    /// Two-stage: another vote weight β or blend scale than the model was built with.
    public var voteWeight: Float?
    public var blendScale: ModelConfiguration.BlendScale?

    public init(model: String, histories: String, users: String?, k: Int, output: String?) {
        self.model = model
        self.histories = histories
        self.users = users
        self.k = k
        self.output = output
    }

    public static let maxK = 10_000

    public struct Outcome: Sendable {
        public var users: Int
        public var rows: Int
        public var unknownItems: Int
        public var popularityFallbacks: Int
        public var seconds: Double
    }

    @discardableResult
    public func run() throws(AppError) -> Outcome {
        guard k >= 1, k <= Self.maxK else { throw AppError("-k must be between 1 and \(Self.maxK)") }
        let model = try loadModel()
        BLAS.setThreads(1)  // per-user products are small: BLAS threads would only spin
        let log = try AppError.wrap { try InteractionLog.read(path: histories) }
        let attributeTable = try users.map { path throws(AppError) in
            try AppError.wrap { try UserAttributeTable.read(path: path, columns: model.attributes.columnNames) }
        }
        let itemFilter = try filter.resolve(for: model)
        let started = Date()
        var vote = model.makeVote()
        var explainNanoseconds: UInt64 = 0
        var text = "user\titem\trank\tscore" + (explain ? ExplanationColumns.header : "") + "\n"
        var outcome = Outcome(users: log.users.count, rows: 0, unknownItems: 0, popularityFallbacks: 0, seconds: 0)
        for u in 0..<log.users.count {
            let raw = log.history(of: u)
            let (history, unknown) = model.mapHistory(
                itemIDs: raw.items.map { log.items[$0] }, ratings: raw.ratings,
                timestamps: raw.timestamps)
            outcome.unknownItems += unknown
            let attributes = model.attributes.encode(attributeTable?.row(of: log.users[u]))
            let result = model.recommend(history: history, attributes: attributes, k: k, vote: &vote, filter: itemFilter)
            if result.fallback == .popularity { outcome.popularityFallbacks += 1 }
            let explainStarted = explain ? DispatchTime.now().uptimeNanoseconds : 0
            let explanations = explain ? model.explain(result, history: history.items) : []
            if explain { explainNanoseconds += DispatchTime.now().uptimeNanoseconds - explainStarted }
            appendRows(result, user: log.users[u], explanations: explanations, model: model, to: &text)
            outcome.rows += result.items.count
        }
        outcome.seconds = Date().timeIntervalSince(started)
        try write(text)
        if !quiet { logSummary(outcome, model: model, explainNanoseconds: explainNanoseconds) }
        return outcome
    }

    /// The model file, ranking as asked (`ranking`, `voteWeight`, `blendScale`) when it can.
    private func loadModel() throws(AppError) -> RecommenderModel {
        var model = try AppError.wrap { try ModelFile.load(path: self.model) }
        if let ranking {
            guard ranking == .vote || model.itemModel != nil else {
                throw AppError("--ranking two-stage: \(self.model) has no item-item model (train it again to rank two-stage)")
            }
            model = model.withRanking(ranking)
        }
        if voteWeight != nil || blendScale != nil {
            guard model.ranksTwoStage else {
                throw AppError("--vote-weight and --blend-scale blend the two-stage ranking; \(self.model) ranks by the vote")
            }
            model = model.withRanking(model.configuration.ranking, voteWeight: voteWeight, blendScale: blendScale)
        }
        return model
    }

    /// Appends one user's TSV rows, rank 1 first (with the explanation columns when `explain` is on).
    private func appendRows(
        _ result: Recommendation, user: String, explanations: [ItemExplanation], model: RecommenderModel,
        to text: inout String
    ) {
        for (rank, (item, score)) in result.items.enumerated() {
            text += "\(user)\t\(model.items[item])\t\(rank + 1)\t\(score)"
            if explain {
                let e = explanations[rank]
                text += ExplanationColumns.format(
                    clusters: e.clusters, shares: e.shares, because: e.because.map { model.items[$0] },
                    similarities: e.similarities)
            }
            text += "\n"
        }
    }

    /// Writes the TSV to `output`, or to standard output without one.
    private func write(_ text: String) throws(AppError) {
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                throw AppError("cannot write \(output)")
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    private func logSummary(_ outcome: Outcome, model: RecommenderModel, explainNanoseconds: UInt64) {
        Terminal.log(
            "recommended for \(outcome.users) users in " + String(format: "%.3f s", outcome.seconds)
                + " (model \(model.version)); \(outcome.unknownItems) unknown item IDs skipped; "
                + "\(outcome.popularityFallbacks) users served from the popularity fallback"
                + (explain
                    ? String(format: "; explanations %.1f us per user", Double(explainNanoseconds) / 1_000 / Double(max(1, outcome.users))) : ""))
    }
}
