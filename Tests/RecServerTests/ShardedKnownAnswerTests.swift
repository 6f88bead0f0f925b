import XCTest
import RecCluster
import RecModel
import RecTestSupport
import RecWire
@testable import RecServer

/// The known answers of `KnownAnswerTests` (RecModelTests) through the coordinator and shard
/// workers: whatever the number of shards and replicas, the merged answer has the same items in
/// the same order — including exact ties, history exclusion and popularity fill across shards.
final class ShardedKnownAnswerTests: XCTestCase {
    static let model = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.knownAnswer()).bytes)
    let now: UInt64 = 1_700_000_000_000_000

    /// History (item indices) → the items it must get, worked out in `KnownAnswerTests`.
    static let cases: [(history: [Int], k: Int, expected: [Int])] = [
        ([16], 5, [8, 0, 4, 1, 12]),                // two clusters' votes add up on item 8
        ([12, 0], 8, [8, 4, 1, 5, 19, 3, 7, 18]),   // history excluded, popularity fills the rest
        ([15], 6, [3, 7, 11, 8, 12, 5]),            // 3, 7 and 11 tie exactly: lower index first
        ([], 4, [12, 19, 0, 3]),                    // no history: popularity
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
                let offline = Self.model.recommend(history: .init(items: c.history, ratings: Array(repeating: 5, count: c.history.count)),
                                                   attributes: [], k: c.k, vote: &vote)
                XCTAssertEqual(r.scores, offline.items.map(\.score), "bit for bit the offline scores")
            }
        }
    }
}
