import RecInference
import RecTestSupport
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// a client cannot make the coordinator hold a request (its admission slot and timers)
/// longer than `maxDeadlineMicros`, and timers of answered requests do not pile up in the heap.
final class DeadlineBoundTests: XCTestCase {
    let now: WallInstant = 1_700_000_000_000_000
    let oneHour: Duration = .seconds(3_600)

    func request(_ n: Int, deadline: WallInstant) -> ClientMessage {
        .recommend(
            RecommendRequest(requestID: "far-\(n)", itemIDs: ["i1", "i5"], ratings: [5, 4], k: 5, deadlineUnixMicros: deadline.microsecondsSinceEpoch)
        )
    }

    func testAFarFutureDeadlineIsClampedToTheLongestAllowed() throws {
        var configuration = CoordinatorCore.Configuration()
        configuration.maxDeadline = .microseconds(2_000_000)
        // Nothing else ends the request: no attempt timeout or heartbeat silence within the hour.
        configuration.attemptTimeout = oneHour
        configuration.heartbeatTimeout = oneHour
        var harness = try CoordinatorCoreTests.Harness(model: CoordinatorCoreTests.model, shards: 1, configuration: configuration, now: now)
        // The only worker never answers: only the deadline can end the request.
        XCTAssertNil(harness.request(request(0, deadline: now + oneHour), now: now, drop: [0]))
        XCTAssertEqual(harness.coordinator.inFlight, 1)
        XCTAssertLessThanOrEqual(
            harness.coordinator.nextWakeup, now + .microseconds(2_000_000), "the earliest timer is at the clamped deadline or before")
        var answered: [ServerMessage] = []
        var t = now
        while t <= now + .microseconds(2_000_000) && answered.isEmpty {
            t += .microseconds(100_000)
            for case let .toClient(_, payload) in harness.coordinator.onTick(now: t) {
                answered.append(try ServerMessage(serializedBytes: payload))
            }
        }
        XCTAssertEqual(harness.coordinator.inFlight, 0, "answered by now + maxDeadline, not in an hour")
        XCTAssertEqual(t, now + .microseconds(2_000_000), "answered exactly at the clamped deadline")
        guard case let .recommend(r)? = answered.first else { return XCTFail("expected a degraded answer, got \(answered)") }
        XCTAssertEqual(r.requestID, "far-0")
        XCTAssertEqual(r.coverage, 0)

        var bad = CoordinatorCore.Configuration()
        bad.maxDeadline = bad.defaultDeadline - .microseconds(1)
        XCTAssertNotNil(bad.validationError())
    }

    func testTimersOfAnsweredRequestsDoNotPileUp() throws {
        var harness = try CoordinatorCoreTests.Harness(model: CoordinatorCoreTests.model, shards: 3, now: now)
        var peak = 0
        for n in 0..<4_000 {
            guard case .recommend? = harness.request(request(n, deadline: now + oneHour), now: now) else {
                return XCTFail("request \(n) was not answered")
            }
            peak = max(peak, harness.coordinator.timerCount)
        }
        XCTAssertEqual(harness.coordinator.inFlight, 0)
        // Each answered request leaves a deadline timer and a check per shard (4 here): without
        // compaction 16,000 would be held until they came due an hour later.
        XCTAssertLessThanOrEqual(peak, CoordinatorCore.timerSlack + 8)
    }
}
