import RecInference
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// Live resharding: adding and removing shards while requests stay exact.
extension CoordinatorReliabilityTests {

    func testAddingAShardSwitchesOnlyOnceItsWorkersAreReadyAndAnswersStayExact() throws {
        var d = try Driver(shards: 2, replicas: 1, now: start)
        d.apply(d.core.onTick(now: d.now))
        d.deliver()
        let users = Array(stride(from: 0, to: 200, by: 7))
        func askAll(_ tag: String) {
            for u in users { d.send(request("\(tag)\(u)", user: u)) }
            d.deliver()
        }
        askAll("before-")
        // A request in flight when the topology changes keeps its plan.
        d.send(request("in-flight", user: 3))
        let inFlightFrames = d.toWorkers
        d.toWorkers = []
        let added = try d.core.beginGrowth(replicaCounts: [1], now: d.now)
        XCTAssertEqual(added, [2])
        XCTAssertThrowsError(try d.core.beginGrowth(replicaCounts: [1], now: d.now), "one change at a time")
        let model = CoordinatorCoreTests.model
        d.workers.append(try ShardWorkerCore(model: model, shard: 2, shardCounts: [3]))
        d.behaviour.append(.normal)
        askAll("growing-")
        XCTAssertEqual(d.core.shardMap.shardCount, 2, "not before every worker reported the grown partition")
        XCTAssertEqual(d.core.statistics.shards[2].sent, 0, "no traffic to the new shard yet")
        // The next heartbeat asks the old workers for the 3-shard partition (items move between
        // old shards too); until they hold it, the change waits.
        d.advance(by: .microseconds(100_000))
        XCTAssertEqual(d.core.shardMap.shardCount, 2, "shards 0 and 1 do not hold their 3-shard items yet")
        XCTAssertEqual(d.workers[0].requestedShardCount, 3)
        askAll("growing2-")
        // They load their items (the server does this on a thread), holding both partitions.
        for w in 0..<2 {
            var next = try ShardWorkerCore(model: model, shard: w, shardCounts: [2, 3])
            next.continueFrom(d.workers[w])
            XCTAssertTrue(next.holds(shardCount: 2) && next.holds(shardCount: 3))
            d.workers[w] = next
        }
        d.advance(by: .microseconds(100_000))
        XCTAssertEqual(d.core.shardMap.shardCount, 3)
        d.toWorkers += inFlightFrames
        d.deliver()
        askAll("after-")
        XCTAssertGreaterThan(d.core.statistics.shards[2].sent, 0, "the new shard serves its clusters")
        for r in d.recommendations {
            let user = r.requestID == "in-flight" ? 3 : Int(r.requestID.split(separator: "-").last ?? "") ?? -1
            XCTAssertEqual(r.itemIDs, offlineItems(user: user), r.requestID)
            XCTAssertEqual(r.coverage, 1, r.requestID)
        }
        XCTAssertEqual(d.recommendations.count, 4 * users.count + 1)
        XCTAssertTrue(d.errors.isEmpty)
        XCTAssertEqual(d.core.inFlight, 0)
    }

    func testRemovingTheLastShardWaitsForTheOthersToHoldItsClusters() throws {
        var d = try Driver(shards: 3, replicas: 1, now: start)
        let model = CoordinatorCoreTests.model
        d.apply(d.core.onTick(now: d.now))
        d.deliver()
        let users = Array(stride(from: 0, to: 200, by: 7))
        func askAll(_ tag: String) {
            for u in users { d.send(request("\(tag)\(u)", user: u)) }
            d.deliver()
        }
        d.send(request("in-flight", user: 3))
        let inFlightFrames = d.toWorkers
        d.toWorkers = []
        try d.core.beginShrink(to: 2, now: d.now)
        d.advance(by: .microseconds(100_000))
        XCTAssertEqual(d.core.shardMap.shardCount, 3, "shards 0 and 1 do not hold their 2-shard items yet")
        XCTAssertEqual(d.workers[0].requestedShardCount, 2, "the heartbeat asked them to load the 2-shard partition")
        askAll("shrinking-")
        // They load their items (the server does this on a thread) and report the 2-shard partition.
        for w in 0..<2 {
            var next = try ShardWorkerCore(model: model, shard: w, shardCounts: [3, 2])
            next.continueFrom(d.workers[w])
            XCTAssertTrue(next.holds(shardCount: 2))
            d.workers[w] = next
        }
        d.advance(by: .microseconds(100_000))
        XCTAssertEqual(d.core.shardMap.shardCount, 2)
        let sentToRemoved = d.core.statistics.shards[2].sent
        d.toWorkers += inFlightFrames  // planned under 3 shards: shard 2 still answers it
        d.deliver()
        askAll("after-")
        XCTAssertEqual(d.core.statistics.shards[2].sent, sentToRemoved, "no new work for the removed shard")
        for r in d.recommendations {
            let user = r.requestID == "in-flight" ? 3 : Int(r.requestID.split(separator: "-").last ?? "") ?? -1
            XCTAssertEqual(r.itemIDs, offlineItems(user: user), r.requestID)
            XCTAssertEqual(r.coverage, 1, r.requestID)
        }
        XCTAssertEqual(d.recommendations.count, 2 * users.count + 1)
        guard
            case let .status(status) = try ServerMessage(
                serializedBytes: ({ () -> [UInt8] in
                    if case let .toClient(_, p) = d.core.onClient(
                        routing: [1], payload: ClientMessage.status(StatusRequest(requestID: "s")).serializedBytes(),
                        now: d.now)[0]
                    {
                        return p
                    }
                    return []
                })())
        else { return XCTFail("no status") }
        XCTAssertEqual(status.shards.count, 2)
    }

    func testAWorkerHoldingSeveralPartitionsAnswersPlansOfEither() throws {
        let model = CoordinatorCoreTests.twoStageModel
        var both = try ShardWorkerCore(model: model, shard: 0, shardCounts: [3, 2])
        XCTAssertEqual(both.heldShardCounts, [3, 2])
        XCTAssertTrue(both.holds(shardCount: 2) && both.holds(shardCount: 3))
        let alone = [2, 3].map { try! ShardWorkerCore(model: model, shard: 0, shardCounts: [$0]) }
        for (n, count) in [2, 3].enumerated() {
            var q = ShardQuery(requestID: "q")
            q.clusterIDs = [0, 5, 9]
            q.clusterWeights = [0.5, 0.4, 0.1]
            q.k = 10
            q.shardCount = UInt32(count)
            var single = alone[n]
            guard case let .reply(r) = both.handle(q, now: start), case let .reply(expected) = single.handle(q, now: start) else {
                return XCTFail("a \(count)-shard plan was refused")
            }
            XCTAssertEqual(r, expected, "the same answer as a worker holding only that partition")
        }
        // A worker asked for a count it holds reports it at once (found by deploy/reshard.sh).
        var grown = try ShardWorkerCore(model: model, shard: 1, shardCounts: [2, 3])
        _ = grown.handle(
            bytes: CoordinatorMessage.heartbeat(Heartbeat(shard: 1, modelVersion: model.version, sentUnixMicros: 2, shardCount: 2))
                .serializedBytes(), now: start)
        XCTAssertEqual(grown.heldShardCounts, [3, 2])
        guard case let .heartbeat(beat) = grown.heartbeat(now: start) else { return XCTFail("no heartbeat") }
        XCTAssertEqual(beat.shardCount, 2)
        XCTAssertNil(grown.requestedShardCount)
        // Asked for a count it does not hold, it records the request (the server loads it).
        var small = try ShardWorkerCore(model: model, shard: 1, shardCounts: [3])
        _ = small.handle(
            bytes: CoordinatorMessage.heartbeat(Heartbeat(shard: 1, modelVersion: model.version, sentUnixMicros: 1, shardCount: 2))
                .serializedBytes(), now: start)
        XCTAssertEqual(small.requestedShardCount, 2)
        // A pool-maxima model cannot be split over several shards; with one it can.
        let poolMax = model.withRanking(.twoStage, blendScale: .poolMaximum)
        XCTAssertThrowsError(try ShardWorkerCore(model: poolMax, shard: 0, shardCounts: [2])) {
            XCTAssertEqual($0 as? ShardModel.Problem, .inexact(shardCount: 2))
        }
        XCTAssertNoThrow(try ShardWorkerCore(model: poolMax, shard: 0, shardCounts: [1]))
    }
}
