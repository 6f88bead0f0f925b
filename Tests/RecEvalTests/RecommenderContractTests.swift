import RecData
import RecInference
import RecMath
import RecTestSupport
import RecTraining
import XCTest

@testable import RecEval

/// One contract for every model (as in benfred/implicit): at most k distinct items, none from the
/// history, deterministic, and better than chance on planted groups (scored on unseen users
/// against a seeded random ranking of the same split).
final class RecommenderContractTests: XCTestCase {
    static let dataset = TestFixtures.generatedDataset(users: 300, items: 100, groups: 4, seed: 11)

    static func models(trainedOn dataset: Dataset = dataset) throws -> [EvaluatedRecommender] {
        var c = TestFixtures.smallConfiguration
        c.epochs = 10; c.sparseEpochs = 3
        let built = try ModelBuilder.build(dataset: dataset, configuration: c)
        let model = built.model
        let decoder = try XCTUnwrap(built.decoder, "the recommend objective keeps its decoder")
        return [
            EfficientRecRecommender(model: model),
            DecoderBoundRecommender(model: model, decoder: decoder),
            PopularityRecommender(train: dataset),
            ItemKNNRecommender(train: dataset, neighbors: 30),
            try EASERecommender(train: dataset, lambda: 50),
            KMeansVoteRecommender(train: dataset, clusters: 8, topClusters: 3, shortlistLength: 40, seed: 1)
        ]
    }

    func testContractHoldsForEveryModel() throws {
        let models = try Self.models()
        XCTAssertEqual(Set(models.map(\.name)).count, models.count)
        for model in models {
            for u in stride(from: 0, to: 300, by: 37) {
                let h = Self.dataset.log.history(of: u)
                let a = model.recommend(history: h, attributes: Self.dataset.userAttributeValues[u], k: 10)
                XCTAssertLessThanOrEqual(a.count, 10, model.name)
                XCTAssertEqual(Set(a).count, a.count, "\(model.name) repeats items")
                XCTAssertTrue(Set(a).isDisjoint(with: h.items), "\(model.name) recommends history items")
                XCTAssertEqual(a, model.recommend(history: h, attributes: Self.dataset.userAttributeValues[u], k: 10), model.name)
                XCTAssertTrue(a.allSatisfy { $0 >= 0 && $0 < Self.dataset.log.items.count })
            }
            // An empty history still gets a valid answer (a popularity-like fallback, or nothing).
            let empty = model.recommend(history: UserHistory(items: [], ratings: []), attributes: [0, 0, 0], k: 5)
            XCTAssertLessThanOrEqual(empty.count, 5, model.name)
            XCTAssertEqual(Set(empty).count, empty.count, "\(model.name) repeats items for an empty history")
        }
    }

    /// Chance: every item outside the history in a random order (seeded by the history).
    struct ChanceRecommender: EvaluatedRecommender {
        let name = "chance"
        let itemCount: Int
        func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
            var rng = SeededRandom(seed: history.items.reduce(UInt64(17)) { $0 &* 31 &+ UInt64($1) })
            var items = Array(Set(0..<itemCount).subtracting(history.items)).sorted()
            rng.shuffle(&items)
            return Array(items.prefix(k))
        }
    }

    func testEveryModelBeatsChanceOnUnseenUsers() throws {
        let run = StrongGeneralization(dataset: Self.dataset, testFraction: 0.2, seed: 3)
        let chance = run.score(ChanceRecommender(itemCount: Self.dataset.log.items.count), trainSeconds: 0)[0]
        XCTAssertGreaterThan(chance.ndcg[10]!, 0, "the split has relevant items")
        for model in try Self.models(trainedOn: run.trainingData) {
            let s = run.score(model, trainSeconds: 0)[0]
            print("contract: \(model.name) NDCG@10 \(s.ndcg[10]!), P@10 \(s.precision[10]!) (chance \(chance.ndcg[10]!), \(chance.precision[10]!))")
            XCTAssertGreaterThan(s.ndcg[10]!, 1.5 * chance.ndcg[10]!, "\(model.name) is not better than chance")
            XCTAssertGreaterThan(s.precision[10]!, 1.5 * chance.precision[10]!, "\(model.name) is not better than chance")
        }
    }

    func testProtocolScoresEveryModelOnTheSameSplit() throws {
        let run = StrongGeneralization(dataset: Self.dataset, testFraction: 0.2, seed: 3)
        XCTAssertEqual(run.testCases.count, 60)
        XCTAssertEqual(run.thresholds, [4, 3])
        let train = run.trainingData
        XCTAssertEqual(train.log.users.count, 240)
        XCTAssertTrue(Set(run.testCases.map { Self.dataset.log.users[$0.user] }).isDisjoint(with: train.log.users.ids))
        let pop = run.score(PopularityRecommender(train: train), trainSeconds: 0)
        let knn = run.score(ItemKNNRecommender(train: train, neighbors: 30), trainSeconds: 0)
        XCTAssertEqual(pop.count, 2)
        // On planted groups, personalised item-kNN must beat popularity.
        XCTAssertGreaterThan(knn[0].ndcg[10]!, pop[0].ndcg[10]!)
        let validation = StrongGeneralization(dataset: Self.dataset, testFraction: 0.2, seed: 3, validation: true)
        XCTAssertTrue(
            Set(validation.testCases.map(\.user)).isDisjoint(with: run.testCases.map(\.user)),
            "validation never touches the test users")
        let report = EvaluationReport(
            dataset: "x", trainUsers: 240, testUsers: 60, items: 100, seed: 3, protocolName: "p",
            cutoffs: [10, 20, 50], scores: pop + knn)
        XCTAssertTrue(report.table().contains("itemknn"))
        XCTAssertTrue(try report.json().contains("\"ndcg\""))
    }
}
