import Foundation
import RecData
import RecEval
import RecInference
import RecTraining
import RecVote

/// `efficientrec evaluate`: the strong-generalisation protocol for EfficientRec and the baselines,
/// all trained and scored on the same split in the same run.
public struct EvaluateJob {
    public enum Baseline: String, CaseIterable, Sendable {
        case pop, itemknn, ease, kmeans
    }

    public var interactions: String
    public var items: String?
    public var users: String?
    public var testFraction = 0.2
    public var seed: UInt64 = 1
    public var holdout: UserSplit.HoldoutOrder = .random
    public var validation = false
    /// Give each test user at most this many items of their given half.
    public var givenItems: Int?
    public var baselines: [Baseline] = Baseline.allCases
    public var configuration: ModelConfiguration
    /// Also train and score the paper-faithful configuration (the ablation).
    public var includePaperFaithful = false
    /// Also score every shortlist source × aggregation × vote reduction on the trained encoder.
    public var sweepShortlists = false
    /// Also score the trained decoder over every item for the user's top-C clusters (no shortlists).
    public var decoderBound = false
    /// Also score the two-stage ranking for every N × vote weight of `rankingSweep`, and with
    /// `BlendScale.bound` for every N × `boundVoteWeights`.
    public var sweepRanking = false
    public static let rankingSweep: (neighbours: [Int], voteWeights: [Float]) = ([50, 100, 200, 400], [0, 0.1, 0.25, 0.5, 1, 2])
    /// The vote weights swept with `BlendScale.bound` (the item–item bound sums a row maximum per
    /// history item, so its term is smaller than with the pool's maximum).
    public static let boundVoteWeights: [Float] = [0.02, 0.05, 0.1, 0.25, 0.5, 1]
    /// Also score the two-stage ranking for every pool shape of `poolSweep` (member shortlist
    /// aggregation × L × C) and vote weight, each with its pool recall: how big a pool the data set
    /// needs.
    public var sweepPool = false
    public struct PoolSweep: Sendable {
        public var aggregations: [ModelConfiguration.ShortlistAggregation] = [.membership, .lift]
        public var lengths = [200, 500, 1000]
        public var topClusters = [10, 20]
        public var voteWeights: [Float] = [0.25, 1]
        public init() {}
    }
    public var poolSweep = PoolSweep()
    /// Also fit the item–item model by each method (EASE's closed form; neighbourhood regressions
    /// on M = 64 and 256 co-occurring items) on the same training users and score each, alone over
    /// the catalogue and as the two-stage ranking with the trained clusters; the fit time is the
    /// row's training time.
    public var compareItemModels = false
    public var json: String?
    /// A self-contained HTML page with the tables and charts (`ReportPages.evaluation`).
    public var report: String?
    public var quiet = false
    public var readOptions = ReadOptions()
    public var scaleRule = Dataset.ScaleRule()

    public init(interactions: String, items: String?, users: String?, configuration: ModelConfiguration) {
        self.interactions = interactions
        self.items = items
        self.users = users
        self.configuration = configuration
    }

    @discardableResult
    public func run() throws(AppError) -> EvaluationReport {
        try checkOptions()
        let dataset = try AppError.wrap {
            try Dataset.load(
                interactions: interactions, items: items, users: users,
                options: readOptions, scaleRule: scaleRule, progress: quiet ? nil : Terminal.readingProgress(interactions))
        }
        if !quiet { for skipped in dataset.skippedRows { Terminal.log(skipped.description) } }
        var protocolRun = StrongGeneralization(
            dataset: dataset, testFraction: testFraction, seed: seed,
            holdout: holdout, validation: validation, givenItems: givenItems)
        if !quiet { protocolRun.scoringProgress = { Terminal.scoringProgress($0) } }
        let train = protocolRun.trainingData
        guard !protocolRun.testCases.isEmpty else { throw AppError("no test user has two or more interactions") }
        var scores: [ModelScores] = []
        for (name, config) in variants() {
            scores += try scoreVariant(name, configuration: config, protocolRun: protocolRun, train: train)
        }
        scores += try scoreBaselines(protocolRun: protocolRun, train: train)
        let report = EvaluationReport(
            dataset: interactions, trainUsers: protocolRun.trainUsers.count,
            testUsers: protocolRun.testCases.count, items: dataset.log.items.count, seed: seed,
            protocolName: protocolRun.name, cutoffs: [10, 20, 50], scores: scores)
        print(report.table())
        if let json {
            let text = try AppError.wrap { try report.json() }
            guard FileManager.default.createFile(atPath: json, contents: Data(text.utf8)) else {
                throw AppError("cannot write \(json)")
            }
        }
        if let path = self.report { try ReportPages.evaluation(report).write(to: path) }
        return report
    }

    /// Refuses options that cannot be run before any data is read.
    private func checkOptions() throws(AppError) {
        guard testFraction > 0, testFraction < 1 else { throw AppError("--test-users must be strictly between 0 and 1") }
        if let problem = configuration.validationError() { throw AppError(problem) }
        if sweepPool, let top = poolSweep.topClusters.first(where: { $0 > configuration.clusters }) {
            throw AppError("--sweep-top-clusters: \(top) is more than the \(configuration.clusters) clusters")
        }
    }

    /// `body`'s value and the seconds it took, logged as the training time of `name`.
    func timed<T>(_ name: String, _ body: () throws -> T) throws(AppError) -> (T, Double) {
        let started = Date()
        let value = try AppError.wrap(body)
        let seconds = Date().timeIntervalSince(started)
        if !quiet { Terminal.log("trained \(name) in " + String(format: "%.1f s", seconds)) }
        return (value, seconds)
    }

    /// The EfficientRec configurations to train: the given one, and with `includePaperFaithful`
    /// the paper's (at this run's seed, threads, K and L) and the paper's encoder with
    /// support-aware shortlists and a summed vote.
    private func variants() -> [(String, ModelConfiguration)] {
        var variants: [(String, ModelConfiguration)] = [("efficientrec", configuration)]
        if includePaperFaithful {
            var paper = ModelConfiguration.paperFaithful
            paper.seed = configuration.seed
            paper.threads = configuration.threads
            paper.clusters = configuration.clusters
            paper.shortlistLength = configuration.shortlistLength
            variants.append(("efficientrec-paper", paper))
            // The paper's encoder with support-aware shortlists and a summed vote: isolates what the
            // triplet encoder is worth apart from the notebook's mean aggregation.
            paper.shortlistAggregation = .membership
            paper.voteReduction = .sum
            paper.topClusters = configuration.topClusters
            variants.append(("efficientrec-paper-encoder", paper))
        }
        return variants
    }

    /// The baselines, each trained on `train` and scored.
    private func scoreBaselines(protocolRun: StrongGeneralization, train: Dataset) throws(AppError) -> [ModelScores] {
        var scores: [ModelScores] = []
        for baseline in baselines {
            let (model, seconds): (EvaluatedRecommender, Double)
            switch baseline {
            case .pop: (model, seconds) = try timed("pop") { PopularityRecommender(train: train) }
            case .itemknn: (model, seconds) = try timed("itemknn") { ItemKNNRecommender(train: train, threads: configuration.threads) }
            case .ease: (model, seconds) = try timed("ease") { try EASERecommender(train: train, threads: configuration.threads) }
            case .kmeans:
                (model, seconds) = try timed("kmeans") {
                    KMeansVoteRecommender(
                        train: train, clusters: configuration.clusters, topClusters: configuration.topClusters,
                        shortlistLength: configuration.shortlistLength, seed: seed, threads: configuration.threads)
                }
            }
            scores += protocolRun.score(model, trainSeconds: seconds)
        }
        return scores
    }
}
