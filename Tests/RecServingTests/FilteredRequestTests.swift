import RecData
import RecInference
import RecMath
import RecModelFile
import RecTestSupport
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// a filtered request through the coordinator and shard workers gets exactly what
/// offline `recommend` gives with the same filter, for any shard count; a bad condition is an
/// error that carries the request ID.
final class FilteredRequestTests: XCTestCase {
    static let model = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving()).bytes)
    let now: WallInstant = 1_700_000_000_000_000

    func testFilteredAnswersEqualOfflineForEveryShardCount() throws {
        let model = Self.model
        var rng = SeededRandom(seed: 12)
        for shards in [1, 2, 3] {
            var harness = try CoordinatorCoreTests.Harness(model: model, shards: shards, now: now)
            for n in 0..<40 {
                let history = (0..<(1 + rng.below(5))).map { _ in rng.below(model.items.count) }
                var request = RecommendRequest(
                    requestID: "f\(n)", itemIDs: history.map { model.items[$0] },
                    ratings: Array(repeating: 5, count: history.count), k: UInt32(1 + rng.below(30)))
                request.excludeItemIDs = (0..<rng.below(15)).map { _ in model.items[rng.below(model.items.count)] } + ["not-an-item"]
                if n % 2 == 0 { request.allowItemIDs = (0..<(5 + rng.below(40))).map { _ in model.items[rng.below(model.items.count)] } }
                guard case let .recommend(r)? = harness.request(.recommend(request), now: now) else {
                    return XCTFail("\(shards) shards: no answer for request \(n)")
                }
                let filter = try XCTUnwrap(
                    try ItemFilter.resolve(
                        excludeIDs: request.excludeItemIDs, allowIDs: request.allowItemIDs,
                        conditions: [], model: model))
                var vote = model.makeVote()
                let offline = model.recommend(
                    history: UserHistory(items: history, ratings: Array(repeating: 5, count: history.count)),
                    attributes: [], k: Int(request.k), vote: &vote, filter: filter)
                XCTAssertEqual(r.itemIDs, offline.items.map { model.items[$0.index] }, "\(shards) shards, request \(n)")
                XCTAssertEqual(r.scores, offline.items.map(\.score), "\(shards) shards, request \(n)")
                XCTAssertEqual(Int(r.filteredCandidates), offline.filteredCandidates)
                XCTAssertEqual(Int(r.filledFromPopularity), offline.filledFromPopularity)
                XCTAssertFalse(r.itemIDs.contains { request.excludeItemIDs.contains($0) }, "an excluded item was recommended")
                if !request.allowItemIDs.isEmpty {
                    XCTAssertTrue(r.itemIDs.allSatisfy { request.allowItemIDs.contains($0) }, "an item outside the allow list")
                }
            }
        }
    }

    func testABadConditionIsRefusedWithTheRequestID() throws {
        var harness = try CoordinatorCoreTests.Harness(model: Self.model, shards: 2, now: now)
        var request = RecommendRequest(requestID: "bad-where", itemIDs: [Self.model.items[0]], ratings: [5], k: 5)
        request.itemConditions = ["colour in red"]
        guard case let .error(e)? = harness.request(.recommend(request), now: now) else { return XCTFail("a bad condition was served") }
        XCTAssertEqual(e.requestID, "bad-where")
        XCTAssertEqual(e.code, .invalidArgument)
        XCTAssertTrue(e.message.contains("no attribute 'colour'"), e.message)
        XCTAssertEqual(harness.coordinator.inFlight, 0, "nothing left pending")
    }
}
