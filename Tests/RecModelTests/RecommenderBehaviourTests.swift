import XCTest
import RecData
import RecMath
import RecTestSupport
@testable import RecModel

final class RecommenderBehaviourTests: XCTestCase {
    static let generator = try! SyntheticGenerator(.init(users: 400, items: 120, groups: 4, seed: 7))
    static let dataset = TestFixtures.generatedDataset(users: 400, items: 120, groups: 4, seed: 7)
    static let model: RecommenderModel = {
        var c = TestFixtures.smallConfiguration
        c.epochs = 40; c.sparseEpochs = 15
        c.learningRate = 1e-2
        c.distillWeight = 0
        return try! ModelBuilder.build(dataset: dataset, configuration: c).model
    }()

    /// The item index of generated item j ("i{j+1}").
    func index(ofGenerated j: Int) -> Int { Self.model.items.index(of: "i\(j + 1)")! }
    func group(ofIndex i: Int) -> Int { Self.generator.group(ofItem: Int(Self.model.items[i].dropFirst())! - 1) }

    func testNewUserFromAPlantedGroupGetsThatGroupsItems() {
        var vote = Self.model.makeVote()
        var total = 0
        for g in 0..<4 {
            // A brand-new user who liked eight popular items of group g.
            let liked = (0..<8).map { index(ofGenerated: g + 4 * $0) }
            let history = UserHistory(items: liked, ratings: Array(repeating: 5, count: 8))
            let result = Self.model.recommend(history: history, attributes: [0, 0, 0], k: 10, vote: &vote)
            XCTAssertEqual(result.items.count, 10)
            let inGroup = result.items.filter { group(ofIndex: $0.index) == g }.count
            total += inGroup
            XCTAssertGreaterThanOrEqual(inGroup, 7, "group \(g): only \(inGroup)/10 recommendations from the group")
            XCTAssertTrue(Set(result.items.map(\.index)).isDisjoint(with: liked))
        }
        XCTAssertGreaterThanOrEqual(total, 34, "only \(total)/40 recommendations from the user's group (chance: 10/40)")
    }

    func testAttributesAloneServeAColdStartUser() {
        var vote = Self.model.makeVote()
        let attributes = Self.model.attributes.encode(["25-34", "F", "occ-2"])
        XCTAssertTrue(attributes.allSatisfy { $0 > 0 })
        let result = Self.model.recommend(history: UserHistory(items: [], ratings: []), attributes: attributes, k: 10, vote: &vote)
        XCTAssertEqual(result.fallback, .none)
        XCTAssertFalse(result.clusters.isEmpty)
        XCTAssertEqual(result.items.count, 10)
    }

    func testAUserWithNothingGetsPopularity() {
        var vote = Self.model.makeVote()
        let result = Self.model.recommend(history: UserHistory(items: [], ratings: []), attributes: [0, 0, 0], k: 5, vote: &vote)
        XCTAssertEqual(result.fallback, .popularity)
        XCTAssertEqual(result.items.map(\.index), Array(Self.model.popularity.prefix(5)))
        XCTAssertEqual(result.filledFromPopularity, 5)
    }

    func testUnknownItemsAreSkippedAndCounted() {
        let (history, unknown) = Self.model.mapHistory(itemIDs: ["i1", "nope", "i2", "also-nope"], ratings: [5, 5, 4, 3])
        XCTAssertEqual(unknown, 2)
        XCTAssertEqual(history.items, [index(ofGenerated: 0), index(ofGenerated: 1)])
        XCTAssertEqual(history.ratings, [5, 4])
    }

    func testWindowKeepsTheMostRecentOrTheTopRated() {
        var c = ModelConfiguration()
        c.window = 3
        let h = UserHistory(items: [10, 11, 12, 13, 14], ratings: [5, 1, 4, 5, 2], timestamps: [50, 10, 40, 20, 30])
        XCTAssertEqual(ProfileInput.window(h, configuration: c), [0, 2, 4]) // times 50, 40, 30
        c.windowRule = .topRated
        XCTAssertEqual(ProfileInput.window(h, configuration: c), [0, 2, 3]) // ratings 5 (t50), 5 (t20), 4
        // A long history is truncated and reported.
        var vote = Self.model.makeVote()
        let long = UserHistory(items: Array(0..<100), ratings: Array(repeating: 4, count: 100))
        var model = Self.model.configuration
        model.window = 20
        let r = Self.model.recommend(history: long, attributes: [0, 0, 0], k: 5, vote: &vote)
        XCTAssertEqual(r.truncatedInteractions, max(0, 100 - Self.model.configuration.window))
        XCTAssertTrue(Set(r.items.map(\.index)).isDisjoint(with: long.items))
    }

    func testProfileInputWeightsAndModes() {
        var c = ModelConfiguration()
        c.ratingScale = RatingScale(neutral: 3, halfRange: 2, likeThreshold: 4)
        let h = UserHistory(items: [1, 2, 3, 4], ratings: [5, 3, 1, 4])
        c.inputMode = .signed
        let signed = ProfileInput.from(history: h, attributes: [], configuration: c)
        XCTAssertEqual(signed.items, [1, 3, 4]) // rating 3 carries no signal
        XCTAssertEqual(signed.weights, [1.0 / 3, -1.0 / 3, 0.5 / 3])
        c.inputMode = .liked
        let liked = ProfileInput.from(history: h, attributes: [], configuration: c)
        XCTAssertEqual(liked.items, [1, 4])
        XCTAssertEqual(liked.weights, [0.5, 0.5])
    }

    func testTrainingIsDeterministicForASeed() throws {
        let data = TestFixtures.generatedDataset(users: 80, items: 40, seed: 2)
        var c = TestFixtures.smallConfiguration
        c.epochs = 3; c.sparseEpochs = 1
        let a = try ModelBuilder.build(dataset: data, configuration: c).model
        let b = try ModelBuilder.build(dataset: data, configuration: c).model
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertEqual(try ModelFile.encode(a).version, try ModelFile.encode(b).version)
        c.seed = 43
        let other = try ModelBuilder.build(dataset: data, configuration: c).model
        XCTAssertNotEqual(other.parameters, a.parameters)
    }

    func testEveryObjectiveTrainsToFiniteWeights() throws {
        let data = TestFixtures.generatedDataset(users: 60, items: 40, seed: 4)
        for objective in ModelConfiguration.Objective.allCases {
            var c = TestFixtures.smallConfiguration
            c.epochs = 2; c.sparseEpochs = 1
            c.objective = objective
            if !objective.usesDecoder { c.shortlistSource = .members }
            let built = try ModelBuilder.build(dataset: data, configuration: c)
            XCTAssertTrue(built.model.parameters.tensors.allSatisfy(\.isFinite), "\(objective)")
            XCTAssertTrue(built.training.finalLoss.isFinite)
            XCTAssertEqual(built.model.shortlists.clusterCount, c.clusters)
        }
    }

    func testPaperFaithfulConfigurationBuilds() throws {
        var c = ModelConfiguration.paperFaithful
        c.epochs = 1; c.clusters = 8; c.topClusters = 3; c.shortlistLength = 10; c.threads = 1
        XCTAssertNil(c.validationError())
        let data = TestFixtures.generatedDataset(users: 50, items: 30, seed: 5)
        let model = try ModelBuilder.build(dataset: data, configuration: c).model
        XCTAssertEqual(model.configuration.voteReduction, .mean)
        XCTAssertLessThanOrEqual(model.shortlists.items.count, 8 * 10)
    }

    func testConfigurationValidation() {
        var c = ModelConfiguration()
        c.topClusters = c.clusters + 1
        XCTAssertNotNil(c.validationError())
        c = ModelConfiguration(); c.objective = .triplet
        XCTAssertNotNil(c.validationError(), "weights shortlists need a decoder")
        c = ModelConfiguration(); c.learningRate = .nan
        XCTAssertNotNil(c.validationError())
        XCTAssertNil(ModelConfiguration().validationError())
    }
}
