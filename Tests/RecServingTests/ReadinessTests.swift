import RecInference
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// Readiness in the coordinator's state machine: ready only when every shard has a live replica
/// whose heartbeat says it holds the current model, and not while draining.
final class ReadinessTests: XCTestCase {
    typealias Driver = CoordinatorReliabilityTests.Driver
    let start: WallInstant = 1_700_000_000_000_000

    func statusReady(_ d: inout Driver) -> Bool? {
        d.apply(d.core.onClient(routing: [2], payload: ClientMessage.status(StatusRequest(requestID: "st")).serializedBytes(), now: d.now))
        guard case let .status(s)? = d.toClients.last else { return nil }
        return s.ready
    }

    func testReadyOnlyOnceEveryShardHasALiveReplicaHoldingTheModel() throws {
        var d = try Driver(shards: 2, replicas: 2, now: start)
        XCTAssertEqual(
            d.core.readinessProblem, "shard 0 has no live replica holding model version \(d.core.model.version)",
            "no worker has answered a heartbeat yet")
        XCTAssertEqual(statusReady(&d), false)
        // Only shard 0's workers answer: shard 1 still lacks one.
        d.behaviour = [.normal, .normal, .silent, .silent]
        d.advance(by: .microseconds(150_000))
        XCTAssertTrue(d.core.readinessProblem?.hasPrefix("shard 1 has no live replica") == true, "\(d.core.readinessProblem ?? "ready")")
        // One replica of shard 1 answers: ready.
        d.behaviour[2] = .normal
        d.advance(by: .microseconds(150_000))
        XCTAssertNil(d.core.readinessProblem)
        XCTAssertEqual(statusReady(&d), true)
        // It falls silent beyond the heartbeat timeout (its sibling still is): not ready again.
        d.behaviour[2] = .silent
        d.advance(by: .microseconds(1_000_000))
        XCTAssertFalse(d.core.replicas.alive[2])
        XCTAssertNotNil(d.core.readinessProblem)
        XCTAssertEqual(statusReady(&d), false)
        // Back: ready; draining: not ready.
        d.behaviour[3] = .normal
        d.advance(by: .microseconds(150_000))
        XCTAssertNil(d.core.readinessProblem)
        d.core.beginDrain()
        XCTAssertEqual(d.core.readinessProblem, "draining")
    }

    func testAWorkerHoldingAnotherModelVersionDoesNotMakeItReady() throws {
        var d = try Driver(shards: 1, replicas: 1, now: start)
        d.workers[0] = try ShardWorkerCore(model: ModelRolloutTests.modelB, shard: 0, shardCounts: [1])
        d.advance(by: .microseconds(300_000))
        XCTAssertTrue(
            d.core.readinessProblem?.hasPrefix("shard 0 has no live replica holding model version") == true,
            d.core.readinessProblem ?? "ready")
    }
}
