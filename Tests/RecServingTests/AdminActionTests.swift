import RecInference
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// state-changing requests (rollback) are admin actions, accepted only from the admin
/// endpoint; on the data socket they are refused, counted and answered with their request ID.
final class AdminActionTests: XCTestCase {
    let now: WallInstant = 1_700_000_000_000_000

    func reply(_ actions: [CoordinatorCore.Action]) throws -> ServerMessage? {
        for case let .toClient(_, payload) in actions { return try ServerMessage(serializedBytes: payload) }
        return nil
    }

    func testRollbackIsRefusedOnTheDataSocketAndReachesTheCoreFromTheAdminEndpoint() throws {
        var harness = try CoordinatorCoreTests.Harness(model: CoordinatorCoreTests.model, shards: 2, now: now)
        let rollback = ClientMessage.rollback(StatusRequest(requestID: "rb-1")).serializedBytes()
        guard case let .error(e)? = try reply(harness.coordinator.onClient(routing: [9], payload: rollback, now: now)) else {
            return XCTFail("the data socket accepted a rollback")
        }
        XCTAssertEqual(e.requestID, "rb-1")
        XCTAssertEqual(e.code, .invalidArgument)
        XCTAssertTrue(e.message.contains("admin endpoint"), e.message)
        XCTAssertEqual(harness.coordinator.statistics.refusedAdmin, 1)
        XCTAssertEqual(harness.coordinator.statistics.errors, 1)
        // From the admin endpoint the request reaches the rollback logic (no previous version here).
        guard case let .error(a)? = try reply(harness.coordinator.onClient(routing: [9], payload: rollback, now: now, admin: true)) else {
            return XCTFail("no reply from the admin path")
        }
        XCTAssertTrue(a.message.contains("no previous model version"), a.message)
        XCTAssertEqual(harness.coordinator.statistics.refusedAdmin, 1)
        // Status and recommendations are not admin actions.
        guard
            case .status? = try reply(
                harness.coordinator.onClient(routing: [9], payload: ClientMessage.status(StatusRequest(requestID: "s")).serializedBytes(), now: now))
        else { return XCTFail("status refused on the data socket") }
    }
}
