import RecInference
import RecModelFile
import RecTestSupport
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// the requests of a batch (one multipart client message) are answered as members of
/// it — answers and errors alike come back as `.toBatchMember` with their index, never on their
/// own — and each answer is what the request alone would get.
final class BatchRequestTests: XCTestCase {
    static let model = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving()).bytes)
    let now: WallInstant = 1_700_000_000_000_000

    func testEveryMemberIsAnsweredInItsSlotWithWhatItWouldGetAlone() throws {
        let model = Self.model
        var harness = try CoordinatorCoreTests.Harness(model: model, shards: 3, now: now)
        var alone = try CoordinatorCoreTests.Harness(model: model, shards: 3, now: now)
        let requests: [ClientMessage] = [
            .recommend(RecommendRequest(requestID: "u0", itemIDs: [model.items[1], model.items[5]], ratings: [5, 5], k: 7)),
            .recommend(RecommendRequest(requestID: "bad-k", itemIDs: [model.items[2]], ratings: [5], k: 0)),
            .status(StatusRequest(requestID: "st")),
            .recommend(RecommendRequest(requestID: "u3", itemIDs: [model.items[9]], ratings: [4], k: 12))
        ]
        var queue: [CoordinatorCore.Action] = []
        for (index, message) in requests.enumerated() {
            queue += harness.coordinator.onClient(
                routing: [7], payload: message.serializedBytes(), now: now,
                batch: BatchSlot(batch: 42, index: index))
        }
        var replies: [Int: ServerMessage] = [:]
        while !queue.isEmpty {
            switch queue.removeFirst() {
            case .toClient: XCTFail("a batch member was answered on its own")
            case let .toBatchMember(slot, payload):
                XCTAssertEqual(slot.batch, 42)
                XCTAssertNil(replies[slot.index], "slot \(slot.index) answered twice")
                replies[slot.index] = try ServerMessage(serializedBytes: payload)
            case let .toWorker(w, payload):
                queue += harness.coordinator.onWorker(w, payload: harness.workers[w].handle(bytes: payload, now: now).serializedBytes(), now: now)
            }
        }
        XCTAssertEqual(replies.count, 4)
        guard case let .error(e)? = replies[1] else { return XCTFail("k = 0 was served") }
        XCTAssertEqual(e.requestID, "bad-k")
        guard case .status? = replies[2] else { return XCTFail("no status in slot 2") }
        for index in [0, 3] {
            guard case let .recommend(r)? = replies[index], case let .recommend(single)? = alone.request(requests[index], now: now) else {
                return XCTFail("slot \(index): \(String(describing: replies[index]))")
            }
            XCTAssertEqual(r.itemIDs, single.itemIDs)
            XCTAssertEqual(r.scores, single.scores)
            XCTAssertEqual(r.requestID, single.requestID)
        }
        XCTAssertEqual(harness.coordinator.inFlight, 0)
    }

    /// A batch over `maxBatchRequests` is refused whole before any request is decoded: every slot
    /// gets an invalid-argument error with its own request ID (read from the bytes, garbage
    /// included), nothing goes to a worker, and nothing stays in flight.
    func testAnOversizedBatchIsRefusedSlotBySlotUndecoded() throws {
        var configuration = CoordinatorCore.Configuration()
        configuration.limits.maxBatchRequests = 3
        var harness = try CoordinatorCoreTests.Harness(model: Self.model, shards: 2, configuration: configuration, now: now)
        let garbage: [UInt8] = [0x08, 0x01, 0x12, 0x05, 0x0A, 0x01, 0x67, 0xFF, 0xFF]  // request ID "g", then junk
        let payloads =
            ["a", "b", "c"].map {
                ClientMessage.recommend(RecommendRequest(requestID: $0, itemIDs: [Self.model.items[1]], ratings: [5], k: 3)).serializedBytes()
            } + [garbage]
        let actions = harness.coordinator.refuseOversizedBatch(routing: [7], payloads: payloads, batch: 9)
        XCTAssertEqual(actions.count, 4)
        for (index, action) in actions.enumerated() {
            guard case let .toBatchMember(slot, payload) = action, case let .error(e) = try ServerMessage(serializedBytes: payload) else {
                return XCTFail("slot \(index): \(action)")
            }
            XCTAssertEqual(slot.batch, 9)
            XCTAssertEqual(slot.index, index)
            XCTAssertEqual(e.requestID, ["a", "b", "c", "g"][index])
            XCTAssertEqual(e.code, .invalidArgument)
            XCTAssertTrue(e.message.contains("a batch of 4 requests is more than the 3"), e.message)
        }
        XCTAssertEqual(harness.coordinator.inFlight, 0)
        XCTAssertEqual(harness.coordinator.statistics.errors, 4)
    }
}
