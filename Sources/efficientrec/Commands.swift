import ArgumentParser
import RecApp
import RecData
import RecInference
import RecTraining

struct DataOptions: ParsableArguments {
    @Option(help: "Interactions file (CSV/TSV with user, item, rating[, timestamp], or a RecBole .inter file).")
    var interactions: String
    @Option(help: "Optional items file (item, genres, year, title; or RecBole .item).") var items: String?
    @Option(help: "Optional users file (user plus categorical columns; or RecBole .user).") var users: String?
    @Option(help: "Text encoding of the data files: utf8 or latin1.") var encoding = ReadOptions.Encoding.utf8
    @Option(help: "A malformed row: fail (stop with its line) or skip (count, report and go on).")
    var malformedRows = ReadOptions.MalformedRows.fail
    @Option(help: "A rating value that marks an interaction without a rating (e.g. 0 in Book-Crossing): an implicit like.")
    var unratedRating: Float?
    @Option(help: "Ratings at or above this are liked (default: inferred from the ratings' range).") var likeThreshold: Float?

    func validate() throws {
        if let v = unratedRating, !v.isFinite { throw ValidationError("--unrated-rating must be a finite number") }
        if let v = likeThreshold, !v.isFinite { throw ValidationError("--like-threshold must be a finite number") }
    }

    var readOptions: ReadOptions {
        ReadOptions(encoding: encoding, malformedRows: malformedRows)
    }

    var scaleRule: Dataset.ScaleRule { Dataset.ScaleRule(unrated: unratedRating, likeThreshold: likeThreshold) }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a model on interaction logs and write the model file.")
    @OptionGroup var data: DataOptions
    @Option(help: "Where to write the model file.") var out: String
    @OptionGroup var model: ModelOptions

    func run() throws {
        var job = TrainJob(
            interactions: data.interactions, items: data.items, users: data.users, output: out,
            configuration: try model.configuration())
        job.readOptions = data.readOptions
        job.scaleRule = data.scaleRule
        try runJob { try job.run() }
    }
}

struct Recommend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recommend offline for every user of a histories file (TSV: user, item, rank, score).")
    @Option(help: "Model file.") var model: String
    @Option(help: "Histories file, same formats as --interactions; each user is profiled from this history alone.")
    var histories: String
    @Option(help: "Optional users file with attributes.") var users: String?
    @Option(name: .short, help: "Items per user.") var k = 50
    @Option(help: "Output file (default: standard output).") var output: String?
    @OptionGroup var filter: FilterOptions
    @Flag(help: "Explain each voted item: two more columns, its clusters' shares of its vote and the history items most like it.")
    var explain = false
    @Option(help: "Rank the pool by 'vote' (the clusters' vote alone, for comparison) or 'two-stage' instead of as the model was built.")
    var ranking: ModelConfiguration.Ranking?
    @Option(help: "Two-stage: the vote weight instead of the model's.") var voteWeight: Float?
    @Option(help: "Two-stage: pool-max or bound instead of the model's blend scale.") var blendScale: ModelConfiguration.BlendScale?

    func validate() throws {
        guard k >= 1, k <= RecommendJob.maxK else { throw ValidationError("-k must be between 1 and \(RecommendJob.maxK)") }
        if let voteWeight, !(voteWeight >= 0 && voteWeight.isFinite) { throw ValidationError("--vote-weight must be a number at least 0") }
    }

    func run() throws {
        var job = RecommendJob(model: model, histories: histories, users: users, k: k, output: output)
        job.explain = explain
        job.ranking = ranking
        job.voteWeight = voteWeight
        job.blendScale = blendScale
        try runJob {
            job.filter = try filter.load()
            try job.run()
        }
    }
}

struct Refresh: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "New shortlists and popularity from a fresh interaction log with the trained encoder (no training); writes a new model version.",
        discussion:
            "Roll the new file out as any model version (cluster config + SIGHUP). With --items, items the model lacks are added from their features (item tower); interactions with items still unknown are skipped and counted."
    )
    @Option(help: "The trained model file.") var model: String
    @OptionGroup var data: DataOptions
    @Option(help: "Where to write the refreshed model file.") var out: String

    func run() throws {
        var job = RefreshJob(model: model, interactions: data.interactions, users: data.users, output: out)
        job.items = data.items
        job.readOptions = data.readOptions
        try runJob { try job.run() }
    }
}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One new user's top k from a model next to EASE's on the same data, with each item's popularity rank.")
    @Option(help: "Model file.") var model: String
    @Option(help: "Interactions file EASE is fitted on and popularity is counted from (the model's training data).")
    var interactions: String
    @Option(help: "Optional items file.") var items: String?
    @Option(help: "The user's history as item:rating,item:rating,…") var history: String
    @Option(name: .short, help: "Items per list.") var k = 10

    func validate() throws {
        guard k >= 1, k <= RecommendJob.maxK else { throw ValidationError("-k must be between 1 and \(RecommendJob.maxK)") }
    }

    @Option(help: "Also write an HTML report (both lists, their popularity) to this file.") var report: String?

    func run() throws {
        var job = CompareJob(model: model, interactions: interactions, items: items, history: history, k: k)
        job.report = report
        try runJob { try job.run() }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Strong-generalisation evaluation of EfficientRec against baselines on one split.",
        discussion: """
            Users are split into training and test users; each test user's history is split 50/50 into a given \
            and a held-out half; relevant = held-out items rated at or above the liked threshold (>= 4 stars), \
            and the neutral threshold (>= 3) as a second table. Reports P@k, R@k, NDCG@k (k = 10, 20, 50) and coverage.
            """)
    @OptionGroup var data: DataOptions
    @Option(help: "Fraction of users held out as test users.") var testUsers = 0.2
    @Option(help: "Seed of the user split and the history split (default: --seed, else 1).") var splitSeed: UInt64?
    @Option(help: "Held-out half: random or time (the most recent half).") var holdout = UserSplit.HoldoutOrder.random
    @Flag(help: "Evaluate on a validation split of the training users (never touches the test users).") var validation = false
    @Option(help: "Give each test user at most this many items of the given half (new users with short histories).")
    var givenItems: Int?
    @Option(help: "Comma-separated baselines: pop, itemknn, ease, kmeans (empty for none).") var baselines = "pop,itemknn,ease,kmeans"
    @Flag(help: "Also train and score the paper-faithful configuration (ablation).") var withPaper = false
    @Flag(help: "Also score every shortlist source, aggregation and vote reduction on the trained encoder.")
    var sweepShortlists = false
    @Flag(help: "Also score every item with the trained decoder for the top-C clusters, no shortlists (what C x L costs).")
    var decoderBound = false
    @Flag(
        help:
            "Also score the two-stage ranking for N in 50, 100, 200, 400 and vote weights 0, 0.1, 0.25, 0.5, 1, 2, and with --blend-scale bound for vote weights 0.02, 0.05, 0.1, 0.25, 0.5, 1 (choose them on --validation)."
    )
    var sweepRanking = false
    @Flag(
        help:
            "Also score the two-stage ranking for every pool shape (member shortlist aggregation x L x C) and vote weight below, each with its pool recall (choose them on --validation)."
    )
    var sweepPool = false
    @Option(help: "With --sweep-pool: shortlist aggregations.") var sweepAggregations = "membership,lift"
    @Option(help: "With --sweep-pool: shortlist lengths L.") var sweepLengths = "200,500,1000"
    @Option(help: "With --sweep-pool: top clusters C.") var sweepTopClusters = "10,20"
    @Option(help: "With --sweep-pool: vote weights.") var sweepVoteWeights = "0.25,1"

    func parsedPoolSweep() throws -> EvaluateJob.PoolSweep {
        func list<T>(_ text: String, _ flag: String, _ parse: (String) -> T?) throws -> [T] {
            let values = text.split(separator: ",").map { parse(String($0)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--\(flag): '\(text)' is not a comma-separated list of valid values")
            }
            return values.map { $0! }
        }
        var sweep = EvaluateJob.PoolSweep()
        sweep.aggregations = try list(sweepAggregations, "sweep-aggregations") { ModelConfiguration.ShortlistAggregation(rawValue: $0) }
        sweep.lengths = try list(sweepLengths, "sweep-lengths") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
        sweep.topClusters = try list(sweepTopClusters, "sweep-top-clusters") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
        sweep.voteWeights = try list(sweepVoteWeights, "sweep-vote-weights") { Float($0).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } }
        return sweep
    }
    @Flag(help: "Also fit the item-item model by each method (ease; neighbourhood with M = 64 and 256) and score each alone and two-stage.")
    var compareItemModels = false
    @Option(help: "Also write the results as JSON to this file.") var json: String?
    @Option(help: "Also write an HTML report (tables and charts, self-contained) to this file.") var report: String?
    @OptionGroup var model: ModelOptions

    func parsedBaselines() throws -> [EvaluateJob.Baseline] {
        try baselines.split(separator: ",").map { name in
            guard let b = EvaluateJob.Baseline(rawValue: String(name)) else {
                throw ValidationError("unknown baseline '\(name)' (known: pop, itemknn, ease, kmeans)")
            }
            return b
        }
    }

    func validate() throws {
        guard testUsers > 0, testUsers < 1 else { throw ValidationError("--test-users must be strictly between 0 and 1") }
        if let givenItems, givenItems < 1 { throw ValidationError("--given-items must be at least 1") }
        _ = try parsedBaselines()
        _ = try parsedPoolSweep()
    }

    func run() throws {
        var job = EvaluateJob(
            interactions: data.interactions, items: data.items, users: data.users,
            configuration: try model.configuration())
        job.testFraction = testUsers
        job.readOptions = data.readOptions
        job.scaleRule = data.scaleRule
        job.seed = splitSeed ?? model.seed ?? 1
        job.holdout = holdout
        job.validation = validation
        job.givenItems = givenItems
        job.baselines = try parsedBaselines()
        job.includePaperFaithful = withPaper
        job.sweepShortlists = sweepShortlists
        job.decoderBound = decoderBound
        job.sweepRanking = sweepRanking
        job.sweepPool = sweepPool
        job.poolSweep = try parsedPoolSweep()
        job.compareItemModels = compareItemModels
        job.json = json
        job.report = report
        try runJob { try job.run() }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded synthetic data set (power-law popularity, planted taste groups).")
    @Option(help: "Number of users.") var users: Int
    @Option(help: "Number of items.") var items: Int
    @Option(help: "Number of planted taste groups.") var groups = 8
    @Option(help: "Output directory (interactions.tsv, items.tsv, users.tsv).") var out: String
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Users pick group g with probability proportional to 1/(g+1)^skew (0: equal groups; 1.5: a few mainstream groups and niche ones).")
    var groupSkew: Double = 0

    func validate() throws {
        guard users > 0 else { throw ValidationError("--users must be positive") }
        guard items >= 2 else { throw ValidationError("--items must be at least 2") }
        guard groups >= 1, groups <= items else { throw ValidationError("--groups must be between 1 and --items") }
        guard groupSkew >= 0, groupSkew <= 10 else { throw ValidationError("--group-skew must be between 0 and 10") }
    }

    func run() throws {
        var config = SyntheticGenerator.Configuration(users: users, items: items, groups: groups, seed: seed)
        config.groups = groups
        config.groupSkew = groupSkew
        let job = GenerateJob(configuration: config, output: out)
        try runJob { try job.run() }
    }
}
