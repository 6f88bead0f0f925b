import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

final class RecommenderBehaviourTests: XCTestCase {
    /// Mapping and windowing need no trained weights (the behaviour of trained models is in
    /// `PlantedGroupBehaviourTests`, the serving semantics in `KnownAnswerTests`).
    static let model = HandBuiltModel.knownAnswer()

    func testUnknownItemsAreSkippedAndCounted() {
        let (history, unknown) = Self.model.mapHistory(itemIDs: ["i1", "nope", "i2", "also-nope"], ratings: [5, 5, 4, 3])
        XCTAssertEqual(unknown, 2)
        XCTAssertEqual(history.items, [0, 1])
        XCTAssertEqual(history.ratings, [5, 4])
    }

    func testWindowKeepsTheMostRecentOrTheTopRated() {
        var c = ModelConfiguration()
        c.window = 3
        let h = UserHistory(items: [10, 11, 12, 13, 14], ratings: [5, 1, 4, 5, 2], timestamps: [50, 10, 40, 20, 30])
        XCTAssertEqual(ProfileInput.window(h, configuration: c), [0, 2, 4])  // times 50, 40, 30
        c.windowRule = .topRated
        XCTAssertEqual(ProfileInput.window(h, configuration: c), [0, 2, 3])  // ratings 5 (t50), 5 (t20), 4
        // A history within the window is kept whole, whatever the rule.
        c.window = 5
        XCTAssertEqual(ProfileInput.window(h, configuration: c), [0, 1, 2, 3, 4])
    }

    func testProfileInputWeightsAndModes() {
        var c = ModelConfiguration()
        c.ratingScale = RatingScale(neutral: 3, halfRange: 2, likeThreshold: 4)
        let h = UserHistory(items: [1, 2, 3, 4], ratings: [5, 3, 1, 4])
        c.inputMode = .signed
        let signed = ProfileInput.from(history: h, attributes: [], configuration: c)
        XCTAssertEqual(signed.items, [1, 3, 4])  // rating 3 carries no signal
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
        c = ModelConfiguration(); c.objective = .triplet; c.shortlistSource = .weights
        XCTAssertNotNil(c.validationError(), "weights shortlists need a decoder")
        c = ModelConfiguration(); c.learningRate = .nan
        XCTAssertNotNil(c.validationError())
        XCTAssertNil(ModelConfiguration().validationError())
    }
}
