import Foundation
import RecData
import RecInference
import RecMath

/// The strong-generalisation protocol: users split into training and test users; each
/// test user's history is split 50/50 into a part given to the model and a held-out part; relevant
/// items are held-out items rated at or above a threshold. Every model is trained and scored on the
/// same split in the same run.
public struct StrongGeneralization: Sendable {
    public struct TestCase: Sendable {
        public var user: Int
        public var given: UserHistory
        public var heldOut: UserHistory
        public var attributes: [Int]
    }

    public var dataset: Dataset
    public var trainUsers: [Int]
    public var testCases: [TestCase]
    public var seed: UInt64
    public var name: String
    /// Popularity ranks (by the training users' interactions) and genres, for novelty and diversity.
    public var beyondAccuracy: BeyondAccuracyMetrics

    /// `validation`: split the training users again and test on the inner split, never touching the
    /// outer test users (how defaults are chosen). `givenItems`: each test user is given at most
    /// this many of their given half (new users with short histories).
    public init(
        dataset: Dataset, testFraction: Double, seed: UInt64, holdout: UserSplit.HoldoutOrder = .random,
        validation: Bool = false, givenItems: Int? = nil
    ) {
        self.dataset = dataset
        self.seed = seed
        var split = UserSplit(userCount: dataset.log.users.count, testFraction: testFraction, seed: seed)
        name = "strong generalisation"
        if validation {
            let inner = UserSplit(userCount: split.trainUsers.count, testFraction: testFraction, seed: seed &+ 1)
            split = UserSplit(
                trainUsers: inner.trainUsers.map { split.trainUsers[$0] },
                testUsers: inner.testUsers.map { split.trainUsers[$0] })
            name = "strong generalisation, validation split of the training users"
        }
        if let givenItems { name += ", at most \(givenItems) given items" }
        trainUsers = split.trainUsers
        beyondAccuracy = BeyondAccuracyMetrics(log: dataset.log, users: split.trainUsers, genres: dataset.itemFeatures.genres)
        testCases = split.testUsers.compactMap { u in
            let history = dataset.log.history(of: u)
            guard history.count >= 2 else { return nil }
            var rng = SeededRandom.derived(seed: seed, stream: UInt64(u))
            let (given, heldOut) = UserSplit.holdout(history, fraction: 0.5, order: holdout, givenLimit: givenItems, rng: &rng)
            return TestCase(user: u, given: given, heldOut: heldOut, attributes: dataset.userAttributeValues[u])
        }
    }

    /// Where `score` reports its progress, per model name (nil: nowhere).
    public var scoringProgress: (@Sendable (String) -> (Int, Int) -> Void)?

    public var trainingData: Dataset { dataset.subset(users: trainUsers) }

    /// Relevance thresholds: the liked threshold (≥ 4 stars) and the neutral one (the paper's ≥ 3);
    /// one table for implicit feedback, where every held-out interaction is relevant.
    public var thresholds: [Float] {
        let scale = dataset.ratingScale
        return scale.implicit ? [scale.likeThreshold] : [scale.likeThreshold, scale.neutral]
    }

    /// The model's scores on the test users; `progress` (else `scoringProgress`'s for the model)
    /// hears (users scored, users) every 100 users and at the end.
    public func score(
        _ model: EvaluatedRecommender, trainSeconds: Double, cutoffs: [Int] = [10, 20, 50],
        progress: ((Int, Int) -> Void)? = nil
    ) -> [ModelScores] {
        let progress = progress ?? scoringProgress?(model.name)
        let maxK = cutoffs.max() ?? 10
        let started = Date()
        var rankings: [[Int]] = []
        rankings.reserveCapacity(testCases.count)
        for t in testCases {
            rankings.append(model.recommend(history: t.given, attributes: t.attributes, k: maxK))
            if rankings.count % 100 == 0 || rankings.count == testCases.count { progress?(rankings.count, testCases.count) }
        }
        let perUser = Date().timeIntervalSince(started) / Double(max(1, testCases.count)) * 1e6
        let implicit = dataset.ratingScale.implicit  // every held-out interaction is relevant
        let unrated = dataset.ratingScale.unrated  // an interaction without a rating is an implicit like
        let beyond = beyondAccuracy.summarize(rankings, k: cutoffs.first ?? 10)
        return thresholds.map { threshold in
            var p: [Int: Double] = [:], r: [Int: Double] = [:], n: [Int: Double] = [:], cov: [Int: Set<Int>] = [:]
            var users = 0
            var firstNDCG: [Double] = [], lastPrecision: [Double] = []
            for (t, ranked) in zip(testCases, rankings) {
                let relevant = Set(
                    t.heldOut.items.indices.filter { implicit || t.heldOut.ratings[$0] >= threshold || t.heldOut.ratings[$0] == unrated }.map {
                        t.heldOut.items[$0]
                    })
                for k in cutoffs { cov[k, default: []].formUnion(ranked.prefix(k)) }
                guard !relevant.isEmpty else { continue }
                users += 1
                for k in cutoffs {
                    let v = RankingMetrics.evaluate(ranked: ranked, relevant: relevant, k: k)
                    p[k, default: 0] += v.precision; r[k, default: 0] += v.recall; n[k, default: 0] += v.ndcg
                    if k == cutoffs.first { firstNDCG.append(v.ndcg) }
                    if k == cutoffs.last { lastPrecision.append(v.precision) }
                }
            }
            let d = Double(max(1, users))
            let items = Double(max(1, dataset.log.items.count))
            var scores = ModelScores(
                model: model.name, relevanceThreshold: threshold, users: users,
                precision: p.mapValues { $0 / d }, recall: r.mapValues { $0 / d },
                ndcg: n.mapValues { $0 / d }, coverage: cov.mapValues { Double($0.count) / items },
                trainSeconds: trainSeconds, microsecondsPerUser: perUser)
            scores.meanPopularityRank = beyond.popularityRank
            scores.intraListDiversity = beyond.diversity
            scores.candidatePool = model.candidatePool
            scores.firstNDCGPerUser = firstNDCG
            scores.lastPrecisionPerUser = lastPrecision
            return scores
        }
    }
}

extension UserSplit {
    init(trainUsers: [Int], testUsers: [Int]) {
        self.init(userCount: 0, testFraction: 0, seed: 0)
        self.trainUsers = trainUsers
        self.testUsers = testUsers
    }
}
