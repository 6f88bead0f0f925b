import RecInference
import RecModelFile
import RecTestSupport
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// The known answers of `KnownAnswerTests` (RecModelTests) through the coordinator and shard
/// workers: whatever the number of shards and replicas, the merged answer has the same items in
/// the same order — including exact ties, history exclusion and popularity fill across shards.
final class ShardedKnownAnswerTests: XCTestCase {
    static let model = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.knownAnswer()).bytes)
    let now: WallInstant = 1_700_000_000_000_000

    /// History (item indices) → the items it must get, worked out in `KnownAnswerTests`.
    static let cases: [(history: [Int], k: Int, expected: [Int])] = [
        ([16], 5, [8, 0, 4, 1, 12]),  // two clusters' votes add up on item 8
        ([12, 0], 8, [8, 4, 1, 5, 19, 3, 7, 18]),  // history excluded, popularity fills the rest
        ([15], 6, [3, 7, 11, 8, 12, 5]),  // 3, 7 and 11 tie exactly: lower index first
        ([], 4, [12, 19, 0, 3])  // no history: popularity
    ]

    func testEveryShardCountAndReplicaGivesTheKnownAnswer() throws {
        for (shards, replicas) in [(1, 1), (2, 1), (3, 1), (5, 1), (2, 2)] {
            var harness = try CoordinatorCoreTests.Harness(model: Self.model, shards: shards, replicas: replicas, now: now)
            for (n, c) in Self.cases.enumerated() {
                let ids = c.history.map { Self.model.items[$0] }
                let request = RecommendRequest(requestID: "r\(n)", itemIDs: ids, ratings: Array(repeating: 5, count: ids.count), k: UInt32(c.k))
                guard case let .recommend(r)? = harness.request(.recommend(request), now: now) else {
                    return XCTFail("\(shards) shards × \(replicas): no answer for \(c.history)")
                }
                XCTAssertEqual(r.itemIDs, c.expected.map { Self.model.items[$0] }, "\(shards) shards × \(replicas), history \(c.history)")
                XCTAssertEqual(r.coverage, 1)
                var vote = Self.model.makeVote()
                let offline = Self.model.recommend(
                    history: .init(items: c.history, ratings: Array(repeating: 5, count: c.history.count)),
                    attributes: [], k: c.k, vote: &vote)
                XCTAssertEqual(r.scores, offline.items.map(\.score), "bit for bit the offline scores")
            }
        }
    }

    /// With a per-item bias β the coordinator adds β once per voted item after merging the shards'
    /// parts, so the answer is bit for bit the single-process one for any shard count — and β is
    /// not counted once per shortlist (item 8 sits in two of the history [16]'s clusters).
    func testAnItemBiasIsAddedOnceWhateverTheShardCount() throws {
        let base = HandBuiltModel.knownAnswer()
        var c = base.configuration
        c.itemBias = true
        c.popularityWeight = 0.5
        let bias = (0..<base.items.count).map { Float($0 % 5) * 0.2 - 0.3 }
        let model = try ModelFile.decode(
            ModelFile.encode(
                RecommenderModel(
                    configuration: c, items: base.items, itemFeatures: base.itemFeatures, attributes: base.attributes,
                    parameters: base.parameters, shortlists: base.shortlists, popularity: base.popularity, itemBias: bias)
            ).bytes)
        var single = model.makeVote(), plain = Self.model.makeVote()
        let eight = model.recommend(history: .init(items: [16], ratings: [5]), attributes: [], k: 5, vote: &single)
        let unbiased = Self.model.recommend(history: .init(items: [16], ratings: [5]), attributes: [], k: 5, vote: &plain)
        let withBias = Dictionary(uniqueKeysWithValues: eight.items.map { ($0.index, $0.score) })
        let without = Dictionary(uniqueKeysWithValues: unbiased.items.map { ($0.index, $0.score) })
        XCTAssertEqual(withBias[8]! - without[8]!, 0.5 * bias[8], accuracy: 1e-6, "β counted once for an item in two lists")
        for shards in [1, 2, 3, 5] {
            var harness = try CoordinatorCoreTests.Harness(model: model, shards: shards, replicas: 1, now: now)
            for (n, h) in Self.cases.map(\.history).enumerated() {
                let ids = h.map { model.items[$0] }
                let request = RecommendRequest(requestID: "b\(n)", itemIDs: ids, ratings: Array(repeating: 5, count: ids.count), k: 8)
                guard case let .recommend(r)? = harness.request(.recommend(request), now: now) else {
                    return XCTFail("\(shards) shards: no answer for \(h)")
                }
                var vote = model.makeVote()
                let offline = model.recommend(
                    history: .init(items: h, ratings: Array(repeating: 5, count: h.count)), attributes: [], k: 8, vote: &vote)
                XCTAssertEqual(r.itemIDs, offline.items.map { model.items[$0.index] }, "\(shards) shards, history \(h)")
                XCTAssertEqual(r.scores, offline.items.map(\.score), "\(shards) shards, history \(h)")
            }
        }
    }
}
