import RecData
import RecInference
import RecMath
import RecModelFile
import RecTestSupport
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// items withdrawn by an admin action leave every answer from the next request on — on
/// every shard, in the popularity fill too — exactly as if each request had excluded them.
final class BlocklistTests: XCTestCase {
    static let model = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving()).bytes)
    let now: WallInstant = 1_700_000_000_000_000

    func admin(_ harness: inout CoordinatorCoreTests.Harness, _ request: BlockItemsRequest, admin: Bool = true) -> ServerMessage? {
        let actions = harness.coordinator.onClient(routing: [1], payload: ClientMessage.blockItems(request).serializedBytes(), now: now, admin: admin)
        guard case let .toClient(_, payload)? = actions.first else { return nil }
        return try? ServerMessage(serializedBytes: payload)
    }

    func testBlockedItemsLeaveEveryAnswerExactlyAsAnExclusionWould() throws {
        let model = Self.model
        var harness = try CoordinatorCoreTests.Harness(model: model, shards: 3, now: now)
        var rng = SeededRandom(seed: 8)
        let histories = (0..<30).map { _ in (0..<(1 + rng.below(4))).map { _ in rng.below(model.items.count) } }
        func answers(_ extra: (inout RecommendRequest) -> Void = { _ in }) -> [[String]] {
            histories.enumerated().map { n, h in
                var r = RecommendRequest(requestID: "b\(n)", itemIDs: h.map { model.items[$0] }, ratings: Array(repeating: 5, count: h.count), k: 40)
                extra(&r)
                guard case let .recommend(reply)? = harness.request(.recommend(r), now: now) else { return [] }
                return reply.itemIDs
            }
        }
        let before = answers()
        // The most recommended items: blocking them changes many answers.
        var counts: [String: Int] = [:]
        for a in before { for id in a.prefix(5) { counts[id, default: 0] += 1 } }
        let blocked = counts.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.prefix(6).map(\.key)
        // On the data socket it is refused and changes nothing.
        guard case let .error(e)? = admin(&harness, BlockItemsRequest(requestID: "x", itemIDs: blocked), admin: false) else {
            return XCTFail("the data socket accepted a block")
        }
        XCTAssertEqual(e.requestID, "x")
        XCTAssertEqual(answers(), before)
        guard case let .status(s)? = admin(&harness, BlockItemsRequest(requestID: "blk", itemIDs: blocked + ["not-an-item"])) else {
            return XCTFail("no status after blocking")
        }
        XCTAssertEqual(s.requestID, "blk")
        XCTAssertEqual(s.blockedItems, 7, "unknown IDs are kept for later model versions")
        let during = answers()
        let asExcluded = answers { $0.excludeItemIDs = blocked }
        XCTAssertEqual(during, asExcluded, "the blocklist acts as an exclusion on every request")
        XCTAssertTrue(during.allSatisfy { Set($0).isDisjoint(with: blocked) })
        XCTAssertNotEqual(during, before)
        XCTAssertTrue(during.allSatisfy { $0.count == 40 }, "the popularity fill completes answers without blocked items")
        // With a request's own filter, both hold.
        let both = answers { $0.excludeItemIDs = [model.items[3]] }
        XCTAssertTrue(both.allSatisfy { Set($0).isDisjoint(with: blocked + [model.items[3]]) })
        // Unblocking restores the answers.
        guard case let .status(u)? = admin(&harness, BlockItemsRequest(requestID: "ub", itemIDs: blocked + ["not-an-item"], unblock: true)) else {
            return XCTFail("no status after unblocking")
        }
        XCTAssertEqual(u.blockedItems, 0)
        XCTAssertEqual(answers(), before)
    }

    func testTheListIsKeptByIDAcrossModelVersions() {
        var list = Blocklist()
        let a = HandBuiltModel.serving(), b = HandBuiltModel.serving(seed: 99)
        list.block(["i3", "i9", "zzz"])
        XCTAssertEqual(list.indices(in: a), [a.itemLookup.index(of: "i3")!, a.itemLookup.index(of: "i9")!])
        XCTAssertEqual(list.indices(in: b).count, 2)
        let generation = list.generation
        list.block(["i3"])
        XCTAssertEqual(list.generation, generation, "no change, no new generation")
        list.unblock(["i3"])
        XCTAssertEqual(list.indices(in: a), [a.itemLookup.index(of: "i9")!])
        XCTAssertEqual(list.generation, generation + 1)
        list.replace(with: [])
        XCTAssertNil(list.merged(into: nil, model: a))
    }
}
