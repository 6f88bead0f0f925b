import RecInference
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// Heartbeats, failover, hedging, overload and minimum coverage in the coordinator's state
/// machine, driven in memory with time passed in: workers can be silent, drop queries, or be slow.
final class CoordinatorReliabilityTests: XCTestCase {
    let start: WallInstant = 1_700_000_000_000_000

    func testHeartbeatsKeepWorkersAliveAndSilenceDeclaresOneDead() throws {
        var d = try Driver(shards: 2, replicas: 2, now: start)
        d.apply(d.core.onTick(now: d.now))
        XCTAssertEqual(d.toWorkers.count, 4, "one heartbeat per worker")
        d.behaviour[1] = .silent
        d.advance(by: .microseconds(300_000))
        XCTAssertEqual(d.core.replicas.alive, [true, true, true, true], "300 ms of silence is within the 350 ms timeout")
        d.advance(by: .microseconds(200_000))
        XCTAssertEqual(d.core.replicas.alive, [true, false, true, true])
        XCTAssertEqual(d.core.statistics.heartbeatMisses, 1)
        // Back to life: the next heartbeat answer revives it.
        d.behaviour[1] = .normal
        d.advance(by: .microseconds(150_000))
        XCTAssertEqual(d.core.replicas.alive, [true, true, true, true])
    }

    func testADeadReplicasOutstandingWorkMovesToItsSiblingAndTheAnswerIsComplete() throws {
        var d = try Driver(shards: 1, replicas: 2, now: start)
        d.apply(d.core.onTick(now: d.now))
        d.deliver()
        d.behaviour = [.silent, .silent]  // both stop; worker 0 gets the query and dies with it
        d.send(request("a"))
        XCTAssertEqual(d.toWorkers.count, 1, "one query")
        d.deliver()
        d.behaviour[1] = .normal
        // Declared dead by silence before the 50 ms attempt timeout only if the timeout were shorter; either
        // way the sibling answers well before the 500 ms deadline.
        d.advance(by: .microseconds(100_000))
        XCTAssertEqual(d.recommendations.count, 1)
        XCTAssertEqual(d.recommendations.first?.coverage, 1)
        XCTAssertEqual(d.recommendations.first?.itemIDs, offlineItems())
        XCTAssertGreaterThanOrEqual(d.core.statistics.retries, 1)
        XCTAssertEqual(d.core.replicas.inFlight, [0, 0])
    }

    func testAMissedReplyIsRetriedOnASiblingAtTheAttemptTimeout() throws {
        var configuration = CoordinatorCore.Configuration()
        configuration.attemptTimeout = .microseconds(20_000)
        var d = try Driver(shards: 1, replicas: 2, configuration: configuration, now: start)
        d.behaviour = [.dropsQueries, .dropsQueries]
        d.send(request("a"))
        let first = d.toWorkers.last!.worker
        d.behaviour[1 - first] = .normal
        d.advance(by: .microseconds(19_000))
        XCTAssertTrue(d.recommendations.isEmpty, "nothing before the attempt timeout")
        d.advance(by: .microseconds(2_000))
        XCTAssertEqual(d.recommendations.map(\.itemIDs), [offlineItems()])
        XCTAssertEqual(d.recommendations.first?.coverage, 1)
        XCTAssertEqual(d.core.statistics.retries, 1)
        XCTAssertTrue(d.core.replicas.alive.allSatisfy { $0 }, "it answers heartbeats, so it is not declared dead")
        XCTAssertEqual(d.core.replicas.inFlight, [0, 0])
    }

    func testHedgesGoOutAfterTheDelayAndStayWithinTheBudget() throws {
        var configuration = CoordinatorCore.Configuration()
        var hedging = CoordinatorCore.Configuration.Hedging()
        hedging.minDelay = .microseconds(2_000)
        hedging.maxDelay = .microseconds(2_000)
        hedging.budgetRatio = 0.25
        configuration.hedging = hedging
        // A replica that swallows queries: the backup to its sibling answers after the hedge delay,
        // long before the 50 ms attempt timeout.
        var rescue = try Driver(shards: 1, replicas: 2, configuration: configuration, now: start)
        rescue.behaviour = [.dropsQueries, .normal]
        rescue.send(request("a"))
        XCTAssertEqual(rescue.toWorkers.last?.worker, 0, "idle replicas start round-robin at the first")
        rescue.advance(by: .microseconds(1_000))
        XCTAssertTrue(rescue.recommendations.isEmpty)
        rescue.advance(by: .microseconds(2_000))
        XCTAssertEqual(rescue.recommendations.map(\.itemIDs), [offlineItems()])
        XCTAssertEqual(rescue.core.statistics.hedges, 1)
        XCTAssertEqual(rescue.core.statistics.retries, 0)
        // When every replica is slow, the budget bounds the hedges: a partial outage cannot double the load.
        var slow = try Driver(shards: 1, replicas: 2, configuration: configuration, now: start)
        slow.behaviour = [.dropsQueries, .dropsQueries]
        for n in 0..<40 {
            slow.send(request("s\(n)"))
            slow.advance(by: .microseconds(3_000))
        }
        XCTAssertGreaterThan(slow.core.statistics.hedges, 0)
        XCTAssertGreaterThan(slow.core.statistics.hedgesDenied, 0)
        XCTAssertLessThanOrEqual(Double(slow.core.statistics.hedges), 10 + 0.25 * 40, "the burst plus the earned share")
        slow.advance(by: .microseconds(600_000))
        XCTAssertEqual(slow.recommendations.count, 40, "answered by the deadline")
        XCTAssertTrue(slow.recommendations.allSatisfy { $0.coverage == 0 })
        XCTAssertEqual(slow.core.replicas.inFlight, [0, 0])
    }

    func testADuplicateAnswerFromAHedgeDoesNotLoseTheRequest() throws {
        var configuration = CoordinatorCore.Configuration()
        var hedging = CoordinatorCore.Configuration.Hedging()
        hedging.minDelay = .microseconds(2_000)
        hedging.maxDelay = .microseconds(2_000)
        configuration.hedging = hedging
        var d = try Driver(shards: 2, replicas: 2, configuration: configuration, now: start)
        d.apply(d.core.onTick(now: d.now))
        d.deliver()
        // A user with clusters to vote (every shard is then asked).
        let model = CoordinatorCoreTests.model
        let log = CoordinatorCoreTests.dataset.log
        let user = try XCTUnwrap(
            (0..<log.users.count).first { u in
                !model.prepare(history: log.history(of: u), attributes: model.attributes.encode(nil)).clusters.isEmpty
            })
        d.send(request("a", user: user))
        XCTAssertEqual(Set(d.toWorkers.map { d.core.replicas.shardOfWorker[$0.worker] }).count, 2)
        // Nothing is delivered until both hedges are out; then shard 0's two answers arrive first.
        d.now += .microseconds(3_000)
        d.apply(d.core.onTick(now: d.now))
        XCTAssertEqual(d.core.statistics.hedges, 2)
        d.deliver(only: Set(d.core.replicas.workers[0]))
        XCTAssertEqual(d.core.statistics.lateReplies, 1, "the second answer from shard 0 is a duplicate")
        XCTAssertEqual(d.core.inFlight, 1, "the request is still waiting for shard 1")
        d.deliver()
        XCTAssertEqual(d.recommendations.map(\.itemIDs), [offlineItems(user: user)])
        XCTAssertEqual(d.recommendations.first?.coverage, 1)
        XCTAssertEqual(d.core.replicas.inFlight, [0, 0, 0, 0])
    }

    func testShedRefusesWithTheRequestIDWithoutDecoding() throws {
        var d = try Driver(shards: 1, replicas: 1, now: start)
        let action = d.core.shed(routing: [9], payload: ClientMessage.recommend(request("shed-me")).serializedBytes())
        d.apply([action])
        XCTAssertEqual(d.errors.map(\.code), [.overloaded])
        XCTAssertEqual(d.errors.first?.requestID, "shed-me")
        XCTAssertEqual(d.core.statistics.shed, 1)
        XCTAssertEqual(d.core.inFlight, 0)
        d.apply([d.core.shed(routing: [9], payload: [0xFF, 0x00])])
        XCTAssertEqual(d.errors.last?.requestID, "", "garbage is refused too, without an ID")
    }

    func testOverloadIsAFastErrorAndCapacityComesBack() throws {
        var configuration = CoordinatorCore.Configuration()
        configuration.maxInFlight = 2
        var d = try Driver(shards: 1, replicas: 1, configuration: configuration, now: start)
        d.send(request("a")); d.send(request("b")); d.send(request("c"))
        XCTAssertEqual(d.errors.map(\.code), [.overloaded])
        XCTAssertEqual(d.errors.first?.requestID, "c")
        XCTAssertEqual(d.core.statistics.overloaded, 1)
        d.deliver()
        XCTAssertEqual(d.recommendations.count, 2)
        d.send(request("d"))
        d.deliver()
        XCTAssertEqual(d.recommendations.count, 3)
    }

    func testDrainingFinishesWhatIsInFlightAndRefusesNewWork() throws {
        var d = try Driver(shards: 2, replicas: 1, now: start)
        d.send(request("in-flight"))
        d.core.beginDrain()
        d.send(request("late"))
        XCTAssertEqual(d.errors.map(\.code), [.overloaded])
        XCTAssertTrue(d.errors.first?.message.contains("shutting down") == true)
        d.deliver()
        XCTAssertEqual(d.recommendations.map(\.requestID), ["in-flight"])
        XCTAssertEqual(d.recommendations.first?.coverage, 1)
        XCTAssertEqual(d.core.inFlight, 0)
    }

    func testADrainingWorkerGetsNoNewWorkButItsAnswersCount() throws {
        var d = try Driver(shards: 1, replicas: 2, now: start)
        d.send(request("a"))
        let first = d.toWorkers.last!.worker
        d.workers[first].draining = true
        // Its answer to the heartbeat announces the drain; the query it already has is still answered.
        d.apply(d.core.onTick(now: d.now))
        d.deliver()
        XCTAssertTrue(d.core.replicas.draining[first])
        XCTAssertFalse(d.core.replicas.alive[first])
        XCTAssertEqual(d.recommendations.map(\.requestID), ["a"])
        XCTAssertEqual(d.core.statistics.drainingWorkers, 1)
        for n in 0..<5 {
            d.send(request("b\(n)"))
            XCTAssertEqual(d.toWorkers.last?.worker, 1 - first, "new work goes to the sibling")
            d.deliver()
        }
        XCTAssertEqual(d.core.statistics.retries + d.core.statistics.failovers, 0, "nothing had to be redone")
        // A restarted process on that endpoint says it is not draining: back in rotation.
        d.workers[first].draining = false
        d.advance(by: .microseconds(100_000))
        XCTAssertTrue(d.core.replicas.alive[first])
        XCTAssertFalse(d.core.replicas.draining[first])
    }

    func testBelowTheMinimumCoverageTheClientGetsAnErrorNamingTheMissingShards() throws {
        var configuration = CoordinatorCore.Configuration()
        configuration.minCoverage = 1
        var d = try Driver(shards: 3, replicas: 1, configuration: configuration, now: start)
        d.send(request("a", deadline: start + .microseconds(30_000)))
        guard let silent = d.toWorkers.first?.worker else { return XCTFail("no sub-request") }
        d.behaviour[silent] = .silent
        d.advance(by: .microseconds(31_000))
        XCTAssertTrue(d.recommendations.isEmpty)
        XCTAssertEqual(d.errors.map(\.code), [.lowCoverage])
        XCTAssertTrue(d.errors.first?.message.contains("shard \(d.core.replicas.shardOfWorker[silent])") == true, d.errors.first?.message ?? "")
        XCTAssertEqual(d.core.inFlight, 0)
    }

    func testAWorkerThatNamesAnotherShardGetsNoTraffic() throws {
        var d = try Driver(shards: 2, replicas: 2, now: start)
        let impostor = Heartbeat(shard: 1, modelVersion: CoordinatorCoreTests.model.version, sentUnixMicros: start.microsecondsSinceEpoch)
        _ = d.core.onWorker(0, payload: WorkerMessage.heartbeat(impostor).serializedBytes(), now: start)
        XCTAssertFalse(d.core.replicas.alive[0])
        XCTAssertEqual(d.core.statistics.misconfiguredWorkers, 1)
        for n in 0..<6 {
            d.send(request("r\(n)"))
            d.deliver(only: [1, 2, 3])
        }
        XCTAssertFalse(d.toWorkers.contains { $0.worker == 0 }, "shard 0's traffic went to its other replica")
    }

    func testAnUndeliverableWorkersWorkGoesToItsSibling() throws {
        var d = try Driver(shards: 1, replicas: 2, now: start)
        d.send(request("a"))
        let first = d.toWorkers.removeLast().worker
        d.apply(d.core.onUndeliverable(first, now: d.now))
        XCTAssertEqual(d.toWorkers.map(\.worker), [1 - first])
        d.deliver()
        XCTAssertEqual(d.recommendations.map(\.itemIDs), [offlineItems()])
        XCTAssertEqual(d.core.statistics.failovers, 1)
    }
}
