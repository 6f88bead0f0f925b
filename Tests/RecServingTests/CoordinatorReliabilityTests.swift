import XCTest
import RecVote
import RecInference
import RecWire
@testable import RecServing

/// Heartbeats, failover, hedging, overload and minimum coverage in the coordinator's state
/// machine, driven in memory with time passed in: workers can be silent, drop queries, or be slow.
final class CoordinatorReliabilityTests: XCTestCase {
    let start: WallInstant = 1_700_000_000_000_000

    /// The coordinator and its workers with a queue of frames in between.
    struct Driver {
        enum Behaviour { case normal, silent, dropsQueries }
        var core: CoordinatorCore
        var workers: [ShardWorkerCore]
        var behaviour: [Behaviour]
        var now: WallInstant
        var toClients: [ServerMessage] = []
        var toWorkers: [(worker: Int, bytes: [UInt8])] = []

        init(shards: Int, replicas: Int, configuration: CoordinatorCore.Configuration = .init(), now: WallInstant) throws {
            let map = try ShardMap(shardCount: shards)
            let model = CoordinatorCoreTests.model
            core = CoordinatorCore(model: model, shardMap: map, replicas: Array(repeating: replicas, count: shards),
                                   configuration: configuration, now: now)
            workers = try core.replicas.shardOfWorker.map { try ShardWorkerCore(model: model, shard: $0, shardCounts: [shards]) }
            behaviour = Array(repeating: .normal, count: workers.count)
            self.now = now
        }

        mutating func apply(_ actions: [CoordinatorCore.Action]) {
            for action in actions {
                switch action {
                case let .toClient(_, payload), let .toBatchMember(_, payload): toClients.append(try! ServerMessage(serializedBytes: payload))
                case let .toWorker(w, bytes): toWorkers.append((w, bytes))
                }
            }
        }

        mutating func send(_ request: RecommendRequest) {
            apply(core.onClient(routing: [1], payload: ClientMessage.recommend(request).serializedBytes(), now: now))
        }

        /// Delivers queued frames to the workers (as their behaviour allows) and their answers back.
        mutating func deliver(only selected: Set<Int>? = nil) {
            var keep: [(worker: Int, bytes: [UInt8])] = []
            let frames = toWorkers
            toWorkers = []
            for (w, bytes) in frames {
                if let selected, !selected.contains(w) { keep.append((w, bytes)); continue }
                let isQuery: Bool
                if case .query? = try? CoordinatorMessage(serializedBytes: bytes) { isQuery = true } else { isQuery = false }
                switch behaviour[w] {
                case .silent: continue
                case .dropsQueries where isQuery: continue
                default: break
                }
                let answer = workers[w].handle(bytes: bytes, now: now).serializedBytes()
                apply(core.onWorker(w, payload: answer, now: now))
            }
            toWorkers = keep + toWorkers
        }

        /// Moves the clock, firing timers and heartbeats, delivering everything each step.
        mutating func advance(by span: Duration, step: Duration = .milliseconds(1)) {
            let end = now + span
            while now < end {
                now = min(end, now + step)
                apply(core.onTick(now: now))
                deliver()
            }
        }

        var recommendations: [RecommendResponse] {
            toClients.compactMap { if case let .recommend(r) = $0 { return r } else { return nil } }
        }

        var errors: [ErrorReply] {
            toClients.compactMap { if case let .error(e) = $0 { return e } else { return nil } }
        }
    }

    func request(_ id: String, deadline: WallInstant = 0, user: Int = 17) -> RecommendRequest {
        let log = CoordinatorCoreTests.dataset.log
        let h = log.history(of: user)
        return RecommendRequest(requestID: id, itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings, k: 10, deadlineUnixMicros: deadline.microsecondsSinceEpoch)
    }

    func offlineItems(user: Int = 17) -> [String] {
        let model = CoordinatorCoreTests.model
        let log = CoordinatorCoreTests.dataset.log
        let h = log.history(of: user)
        let (history, _) = model.mapHistory(itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings)
        var vote = model.makeVote()
        return model.recommend(history: history, attributes: model.attributes.encode(nil), k: 10, vote: &vote).items.map { model.items[$0.index] }
    }

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
        d.behaviour = [.silent, .silent] // both stop; worker 0 gets the query and dies with it
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
        let user = try XCTUnwrap((0..<log.users.count).first { u in
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
        d.toWorkers += inFlightFrames // planned under 3 shards: shard 2 still answers it
        d.deliver()
        askAll("after-")
        XCTAssertEqual(d.core.statistics.shards[2].sent, sentToRemoved, "no new work for the removed shard")
        for r in d.recommendations {
            let user = r.requestID == "in-flight" ? 3 : Int(r.requestID.split(separator: "-").last ?? "") ?? -1
            XCTAssertEqual(r.itemIDs, offlineItems(user: user), r.requestID)
            XCTAssertEqual(r.coverage, 1, r.requestID)
        }
        XCTAssertEqual(d.recommendations.count, 2 * users.count + 1)
        guard case let .status(status) = try ServerMessage(serializedBytes: ({ () -> [UInt8] in
            if case let .toClient(_, p) = d.core.onClient(routing: [1], payload: ClientMessage.status(StatusRequest(requestID: "s")).serializedBytes(),
                                                         now: d.now)[0] { return p }
            return []
        })()) else { return XCTFail("no status") }
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
        _ = grown.handle(bytes: CoordinatorMessage.heartbeat(Heartbeat(shard: 1, modelVersion: model.version, sentUnixMicros: 2, shardCount: 2))
            .serializedBytes(), now: start)
        XCTAssertEqual(grown.heldShardCounts, [3, 2])
        guard case let .heartbeat(beat) = grown.heartbeat(now: start) else { return XCTFail("no heartbeat") }
        XCTAssertEqual(beat.shardCount, 2)
        XCTAssertNil(grown.requestedShardCount)
        // Asked for a count it does not hold, it records the request (the server loads it).
        var small = try ShardWorkerCore(model: model, shard: 1, shardCounts: [3])
        _ = small.handle(bytes: CoordinatorMessage.heartbeat(Heartbeat(shard: 1, modelVersion: model.version, sentUnixMicros: 1, shardCount: 2))
            .serializedBytes(), now: start)
        XCTAssertEqual(small.requestedShardCount, 2)
        // A pool-maxima model cannot be split over several shards; with one it can.
        let poolMax = model.withRanking(.twoStage, blendScale: .poolMaximum)
        XCTAssertThrowsError(try ShardWorkerCore(model: poolMax, shard: 0, shardCounts: [2])) {
            XCTAssertEqual($0 as? ShardModel.Problem, .inexact(shardCount: 2))
        }
        XCTAssertNoThrow(try ShardWorkerCore(model: poolMax, shard: 0, shardCounts: [1]))
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
