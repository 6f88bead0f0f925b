import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// explanations. Every voted item is explained by clusters that voted for it (shares of
/// its vote, largest first, summing to 1 when all are listed) and by the history items most like
/// it (best first); popularity-filled items have none.
final class ItemExplanationTests: XCTestCase {
    func testTheKnownAnswersSharesAreTheClustersContributions() {
        let model = HandBuiltModel.knownAnswer()
        var vote = model.makeVote()
        let history = UserHistory(items: [16], ratings: [5])
        let rec = model.recommend(history: history, attributes: [], k: 5, vote: &vote)
        XCTAssertEqual(rec.items.map(\.index), [8, 0, 4, 1, 12])
        let explained = model.explain(rec, history: history.items)
        XCTAssertEqual(explained.count, 5)
        // Item 8 sits in cluster 0 (score 0.5) and cluster 1 (score 0.6): its shares are the
        // clusters' w · s over their sum.
        let w = Dictionary(uniqueKeysWithValues: rec.clusters.map { ($0.index, $0.score) })
        let c0 = w[0]! * 0.5, c1 = w[1]! * 0.6
        XCTAssertEqual(Set(explained[0].clusters), [0, 1])
        let byCluster = Dictionary(uniqueKeysWithValues: zip(explained[0].clusters, explained[0].shares))
        XCTAssertEqual(byCluster[0]!, c0 / (c0 + c1), accuracy: 1e-6)
        XCTAssertEqual(byCluster[1]!, c1 / (c0 + c1), accuracy: 1e-6)
        XCTAssertEqual(explained[1].clusters, [0], "item 0 is only in cluster 0's list")
        XCTAssertEqual(explained[1].shares, [1])
        XCTAssertEqual(explained[0].because, [16], "the only history item")
    }

    func testExplanationsHoldTheirPromisesOverManyUsers() {
        let model = HandBuiltModel.serving()
        var vote = model.makeVote()
        var rng = SeededRandom(seed: 5)
        for round in 0..<100 {
            let items = (0..<(1 + rng.below(8))).map { _ in rng.below(model.items.count) }
            let history = UserHistory(items: items, ratings: items.map { _ in 5 })
            let rec = model.recommend(history: history, attributes: [], k: 1 + rng.below(60), vote: &vote)
            let explained = model.explain(rec, history: items)
            XCTAssertEqual(explained.count, rec.items.count)
            let voted = rec.items.count - rec.filledFromPopularity
            for (k, e) in explained.enumerated() {
                guard k < voted else {
                    XCTAssertEqual(e, ItemExplanation(), "round \(round): a popularity-filled item was explained")
                    continue
                }
                let item = rec.items[k].index
                XCTAssertFalse(e.clusters.isEmpty, "round \(round): a voted item without a voting cluster")
                XCTAssertLessThanOrEqual(e.clusters.count, 3)
                for c in e.clusters {
                    XCTAssertTrue(rec.clusters.contains { $0.index == c }, "not one of the user's clusters")
                    XCTAssertTrue(model.shortlists.entries(c).contains { $0.index == item }, "cluster \(c) did not list item \(item)")
                }
                XCTAssertEqual(e.shares, e.shares.sorted(by: >))
                XCTAssertLessThanOrEqual(e.shares.reduce(0, +), 1.0001)
                XCTAssertTrue(e.because.allSatisfy { items.contains($0) }, "a 'because' item outside the history")
                XCTAssertEqual(e.similarities, e.similarities.sorted(by: >))
                XCTAssertEqual(e.because.count, min(3, Set(items).count))
            }
        }
    }
}
