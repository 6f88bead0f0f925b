import RecData
import RecMath
import RecTestSupport
import RecVote
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// The serving semantics fixed item for item with a hand-built model (no training, so the same on
/// every CPU and BLAS kernel): which clusters a history activates, the vote, exclusion of the
/// history, popularity fill, tie-breaking, the mean reduction and the window.
///
/// `HandBuiltModel.knownAnswer`: four groups of five items (item index i in group i mod 4), five
/// clusters, C = 2. For a history of one group's items the encoder gives z = √3 on that group and
/// −1/√3 elsewhere, so a cluster of strength a on that group has activation σ(a√3) and one on
/// another group σ(−a/√3).
final class KnownAnswerTests: XCTestCase {
    static func model(_ reduction: VoteReduction = .sum, window: Int = 200) -> RecommenderModel {
        HandBuiltModel.knownAnswer(reduction: reduction, window: window)
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    /// Activations of a pure-group history on its own group (strength a) and on another group.
    static func onGroup(_ a: Double) -> Double { sigmoid(a * 3.0.squareRoot()) }
    static func offGroup(_ a: Double) -> Double { sigmoid(-a / 3.0.squareRoot()) }

    func recommend(_ model: RecommenderModel, _ items: [Int], ratings: [Float]? = nil, timestamps: [Double]? = nil, k: Int) -> Recommendation {
        var vote = model.makeVote()
        let history = UserHistory(items: items, ratings: ratings ?? Array(repeating: 5, count: items.count), timestamps: timestamps)
        return model.recommend(history: history, attributes: [], k: k, vote: &vote)
    }

    func assertScores(_ got: [(index: Int, score: Float)], _ expected: [(Int, Double)], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.map(\.index), expected.map(\.0), "items", file: file, line: line)
        for (g, e) in zip(got, expected) { XCTAssertEqual(Double(g.score), e.1, accuracy: 1e-4, "item \(e.0)", file: file, line: line) }
    }

    func testAGroupZeroHistoryActivatesItsTwoClustersAndGetsTheirVote() {
        let r = recommend(Self.model(), [16], k: 5)
        XCTAssertEqual(r.clusters.map(\.index), [0, 1])
        XCTAssertEqual(Double(r.clusters[0].score), Self.onGroup(2), accuracy: 1e-4)
        XCTAssertEqual(Double(r.clusters[1].score), Self.onGroup(1), accuracy: 1e-4)
        let (s0, s1) = (Self.onGroup(2), Self.onGroup(1))
        // Item 8 is in both shortlists: its votes add up and put it first.
        assertScores(r.items, [(8, s0 * 0.5 + s1 * 0.6), (0, s0 * 0.9), (4, s0 * 0.8), (1, s0 * 0.4), (12, s1 * 0.3)])
        XCTAssertEqual(r.fallback, .none)
        XCTAssertEqual(r.filledFromPopularity, 0)
    }

    func testSoftmaxWeightsAreTheSoftmaxOfTheSameLogitsAndKeepTheOrder() {
        let sigmoidModel = Self.model()
        var c = sigmoidModel.configuration
        c.clusterActivation = .softmax
        let softmaxModel = RecommenderModel(
            configuration: c, items: sigmoidModel.items, itemFeatures: sigmoidModel.itemFeatures,
            attributes: sigmoidModel.attributes, parameters: sigmoidModel.parameters,
            shortlists: sigmoidModel.shortlists, popularity: sigmoidModel.popularity)
        let history = UserHistory(items: [16], ratings: [5])
        let input = ProfileInput.from(history: history, attributes: [], configuration: c)
        let s = sigmoidModel.clusterActivations(input).map(Double.init)
        let logits = s.map { log($0 / (1 - $0)) }
        // K × softmax: the weights average 1 over the K clusters.
        let k = Double(c.clusters)
        let expected = logits.map(exp).map { k * $0 / logits.map(exp).reduce(0, +) }
        let got = softmaxModel.clusterActivations(input)
        XCTAssertEqual(got.map(Double.init).reduce(0, +), k, accuracy: 1e-4)
        for (g, e) in zip(got, expected) { XCTAssertEqual(Double(g), e, accuracy: 1e-5) }
        let r = recommend(softmaxModel, [16], k: 5)
        XCTAssertEqual(r.clusters.map(\.index), [0, 1])
        // Cluster 0 weighs e^{2√3 − √3} = e^{√3} times cluster 1; the vote's order follows.
        let (w0, w1) = (expected[0], expected[1])
        XCTAssertEqual(w0 / w1, exp(3.0.squareRoot()), accuracy: 1e-3)
        assertScores(r.items, [(0, w0 * 0.9), (4, w0 * 0.8), (8, w0 * 0.5 + w1 * 0.6), (1, w0 * 0.4), (12, w1 * 0.3)])
    }

    func testASoftmaxTemperatureDividesTheLogitsAndMustBePositive() {
        let sigmoidModel = Self.model()
        var c = sigmoidModel.configuration
        c.clusterActivation = .softmax
        c.clusterTemperature = 4
        XCTAssertNil(c.validationError())
        let model = RecommenderModel(
            configuration: c, items: sigmoidModel.items, itemFeatures: sigmoidModel.itemFeatures,
            attributes: sigmoidModel.attributes, parameters: sigmoidModel.parameters,
            shortlists: sigmoidModel.shortlists, popularity: sigmoidModel.popularity)
        let input = ProfileInput.from(history: UserHistory(items: [16], ratings: [5]), attributes: [], configuration: c)
        let logits = sigmoidModel.clusterActivations(input).map(Double.init).map { log($0 / (1 - $0)) / 4 }
        let total = logits.map(exp).reduce(0, +)
        for (g, l) in zip(model.clusterActivations(input), logits) {
            XCTAssertEqual(Double(g), Double(c.clusters) * exp(l) / total, accuracy: 1e-4)
        }
        for bad: Float in [0, -1, .nan, .infinity] {
            c.clusterTemperature = bad
            XCTAssertNotNil(c.validationError(), "temperature \(bad)")
        }
    }

    func testHistoryItemsAreNeverRecommendedBack() {
        // 12 (group 0) is in cluster 1's shortlist and in the history; 0 is in cluster 0's.
        let r = recommend(Self.model(), [12, 0], k: 10)
        let (s0, s1) = (Self.onGroup(2), Self.onGroup(1))
        assertScores(Array(r.items.prefix(4)), [(8, s0 * 0.5 + s1 * 0.6), (4, s0 * 0.8), (1, s0 * 0.4), (5, s1 * 0.2)])
        XCTAssertFalse(r.items.contains { $0.index == 12 || $0.index == 0 })
    }

    func testShortVotesAreFilledFromPopularityWithoutRepeatsOrHistory() {
        // The vote yields 8, 4, 1, 5 (0 and 12 are history); popularity 12, 19, 0, 3, 7, … adds
        // 19, 3, 7, 18 (skipping the history's 12 and 0), with score 0.
        let r = recommend(Self.model(), [12, 0], k: 8)
        XCTAssertEqual(r.items.map(\.index), [8, 4, 1, 5, 19, 3, 7, 18])
        XCTAssertEqual(Array(r.items.suffix(4).map(\.score)), [0, 0, 0, 0])
        XCTAssertEqual(r.filledFromPopularity, 4)
    }

    func testEqualVotesAreOrderedByItemIndex() {
        // Group 3: cluster 4 (strength 2 on group 3) first, then cluster 1 (strength 1, the mildest
        // off-group penalty). Items 3, 7 and 11 tie exactly: the lower index goes first.
        let r = recommend(Self.model(), [15], k: 6)
        XCTAssertEqual(r.clusters.map(\.index), [4, 1])
        XCTAssertEqual(Double(r.clusters[1].score), Self.offGroup(1), accuracy: 1e-4)
        let (s4, s1) = (Self.onGroup(2), Self.offGroup(1))
        assertScores(r.items, [(3, s4 * 0.5), (7, s4 * 0.5), (11, s4 * 0.5), (8, s1 * 0.6), (12, s1 * 0.3), (5, s1 * 0.2)])
        XCTAssertEqual(r.items[0].score, r.items[1].score)
        XCTAssertEqual(r.items[1].score, r.items[2].score)
    }

    func testTheMeanReductionDividesByTheClustersThatListTheItem() {
        let r = recommend(Self.model(.mean), [16], k: 5)
        let (s0, s1) = (Self.onGroup(2), Self.onGroup(1))
        assertScores(r.items, [(0, s0 * 0.9), (4, s0 * 0.8), (8, (s0 * 0.5 + s1 * 0.6) / 2), (1, s0 * 0.4), (12, s1 * 0.3)])
    }

    func testDislikedItemsDoNotShapeTheProfileButAreStillExcluded() {
        // Rated 1 and 2 stars, group 1's items carry no signal in the default (liked) input mode:
        // the profile is group 0's, and the disliked item 1 is not recommended back.
        let r = recommend(Self.model(), [16, 1, 5], ratings: [5, 1, 2], k: 4)
        XCTAssertEqual(r.clusters.map(\.index), [0, 1])
        XCTAssertEqual(r.items.map(\.index), [8, 0, 4, 12])
    }

    func testNoUsableHistoryFallsBackToPopularityExactly() {
        let empty = recommend(Self.model(), [], k: 4)
        XCTAssertEqual(empty.fallback, .popularity)
        XCTAssertTrue(empty.clusters.isEmpty)
        XCTAssertEqual(empty.items.map(\.index), [12, 19, 0, 3])
        XCTAssertEqual(empty.filledFromPopularity, 4)
        // Only dislikes: no profile either, and the disliked items are still excluded.
        let disliked = recommend(Self.model(), [12, 0], ratings: [1, 2], k: 4)
        XCTAssertEqual(disliked.fallback, .popularity)
        XCTAssertEqual(disliked.items.map(\.index), [19, 3, 7, 18])
    }

    func testTheWindowKeepsTheMostRecentInteractions() {
        // Window 2: the two most recent interactions (group 2) make the profile; the three older
        // group-0 ones are dropped from it (and reported) but still excluded.
        let model = Self.model(window: 2)
        let r = recommend(model, [0, 4, 8, 2, 6], timestamps: [1, 2, 3, 4, 5], k: 3)
        XCTAssertEqual(r.truncatedInteractions, 3)
        XCTAssertEqual(r.clusters.first?.index, 3, "the profile is the recent group-2 items'")
        // Cluster 3 lists only history items (2, 6); cluster 1 gives 12 and 5 (its 8 is history, even
        // though outside the window); popularity adds 19.
        XCTAssertEqual(r.clusters.map(\.index), [3, 1])
        XCTAssertEqual(r.items.map(\.index), [12, 5, 19])
        // The same history with the group-0 items most recent.
        let older = recommend(model, [0, 4, 8, 2, 6], timestamps: [5, 4, 3, 2, 1], k: 2)
        XCTAssertEqual(older.clusters.map(\.index), [0, 1])
        XCTAssertEqual(older.truncatedInteractions, 3)
        XCTAssertEqual(older.items.map(\.index), [1, 12])
    }

    func testTheModelFileKeepsTheAnswerBitForBit() throws {
        let model = Self.model()
        let loaded = try ModelFile.decode(ModelFile.encode(model).bytes)
        for history in [[16], [12, 0], [15], [3, 2, 1]] {
            let a = recommend(model, history, k: 10), b = recommend(loaded, history, k: 10)
            XCTAssertEqual(a.items.map(\.index), b.items.map(\.index))
            XCTAssertEqual(a.items.map(\.score), b.items.map(\.score))
        }
    }
}
