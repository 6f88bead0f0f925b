import RecData
import RecInference
import RecModelFile
import RecTestSupport
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// The coordinator's parts one at a time: admission, replica health, model versions, resharding
/// and the request table, each a plain value tested without the rest of the state machine.
final class CoordinatorPartsTests: XCTestCase {
    static let modelA: RecommenderModel = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving()).bytes)
    static let modelB: RecommenderModel = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving(seed: 99)).bytes)

    func testAdmissionHonoursTheHardCapTheAdaptiveLimitAndDraining() {
        var configuration = CoordinatorCore.Configuration()
        configuration.maxInFlight = 3
        configuration.latencyTarget = nil
        var admission = AdmissionControl(configuration: configuration, now: 0)
        XCTAssertEqual(admission.limit, 3)
        XCTAssertTrue(admission.admits(inFlight: 2))
        XCTAssertFalse(admission.admits(inFlight: 3))
        XCTAssertTrue(admission.refusalReason.contains("limit of 3"), admission.refusalReason)
        admission.beginDrain()
        XCTAssertFalse(admission.admits(inFlight: 0), "a draining coordinator admits nothing")
        XCTAssertTrue(admission.refusalReason.contains("shutting down"))

        configuration.maxInFlight = 1_000
        configuration.latencyTarget = .microseconds(25_000)
        let adaptive = AdmissionControl(configuration: configuration, now: 0)
        XCTAssertNotNil(adaptive.adaptive)
        XCTAssertLessThanOrEqual(adaptive.limit, 1_000, "the adaptive limit stays under the hard cap")
        XCTAssertEqual(adaptive.admits(inFlight: adaptive.limit), false)
    }

    func testReplicaChoiceSkipsWorkersThatDoNotHoldTheRequestsVersion() {
        var health = ReplicaHealth(replicas: [2, 1], now: 0)
        // Nobody has sent a heartbeat: every worker is assumed to hold the current version only.
        XCTAssertNotNil(health.choose(shard: 0, version: "A", current: "A", excluding: []))
        XCTAssertNil(health.choose(shard: 0, version: "B", current: "A", excluding: []))
        health.noteHolding(worker: 1, shardCount: 2, versions: ["A", "B"])
        health.noteHolding(worker: 0, shardCount: 2, versions: ["A"])
        XCTAssertEqual(health.choose(shard: 0, version: "B", current: "A", excluding: []), 1)
        XCTAssertNil(health.choose(shard: 0, version: "B", current: "A", excluding: [1]), "the only holder was tried")
        XCTAssertNil(health.choose(shard: 7, version: "A", current: "A", excluding: []), "no such shard")
        XCTAssertTrue(health.hasHolder(shard: 0, version: "B"))
        XCTAssertFalse(health.hasHolder(shard: 1, version: "A"), "worker 2 has not said what it holds")
        XCTAssertTrue(health.anyReports(shardCount: 2, among: [0, 1]))
        XCTAssertFalse(health.anyReports(shardCount: 3, among: [0, 1]))
        health.replicas.setDraining(1, true)
        XCTAssertFalse(health.hasHolder(shard: 0, version: "B"), "a draining holder is out of rotation")
        XCTAssertTrue(health.hasHolder(shard: 0, version: "A"))
        health.replicas.markDead(0)
        XCTAssertFalse(health.hasHolder(shard: 0, version: "A"))
        XCTAssertFalse(health.anyReports(shardCount: 2, among: [0, 1]), "only live workers count")
        let added = health.addWorkers(forShard: 2, count: 2, now: 0)
        XCTAssertEqual(added, [3, 4])
        XCTAssertEqual(health.workerCount, 5)
        XCTAssertFalse(health.anyReports(shardCount: 3, among: added), "new workers report nothing before their heartbeat")
    }

    func testModelVersionsStageSwitchAndRollBack() throws {
        let a = Self.modelA, b = Self.modelB
        try XCTSkipIf(a.version == b.version, "the two hand-built models must differ in version")
        var versions = ModelVersions(a)
        XCTAssertTrue(versions.resolve("") === versions.current)
        XCTAssertTrue(versions.resolve(a.version) === versions.current)
        XCTAssertNil(versions.resolve(b.version))
        XCTAssertFalse(versions.stage(a), "staging the current version is a no-op")
        XCTAssertNil(versions.switchToStaged())
        XCTAssertTrue(versions.stage(b))
        XCTAssertEqual(versions.staged?.version, b.version)
        let change = try XCTUnwrap(versions.switchToStaged())
        XCTAssertEqual(change.from, a.version)
        XCTAssertEqual(change.to, b.version)
        XCTAssertEqual(versions.current.version, b.version)
        XCTAssertTrue(versions.resolve(a.version) === versions.previous, "requests may still ask for the previous version")
        // Rollback stages the previous version itself (no second copy of the model).
        let previous = versions.previous
        XCTAssertTrue(versions.stage(a))
        XCTAssertTrue(versions.staged === previous)
        XCTAssertNotNil(versions.switchToStaged())
        XCTAssertEqual(versions.current.version, a.version)
        XCTAssertEqual(versions.previous?.version, b.version)
    }

    func testReshardingAnnouncesTheTargetAndAdmitsNewShardsInOrder() throws {
        var resharding = Resharding(try ShardMap(shardCount: 2))
        XCTAssertFalse(resharding.inProgress)
        XCTAssertEqual(resharding.announcedShardCount, 2)
        XCTAssertTrue(resharding.complete().isEmpty)
        resharding.begin(target: try ShardMap(shardCount: 4), incoming: [3: [5], 2: [3, 4]])
        XCTAssertTrue(resharding.inProgress)
        XCTAssertEqual(resharding.announcedShardCount, 4)
        XCTAssertEqual(resharding.shardMap.shardCount, 2, "new requests keep the old map until the switch")
        XCTAssertEqual(resharding.workersToReport(shard: 0, existing: [[0], [1, 2]]), [0])
        XCTAssertEqual(resharding.workersToReport(shard: 2, existing: [[0], [1, 2]]), [3, 4])
        let admitted = resharding.complete()
        XCTAssertEqual(admitted.map(\.shard), [2, 3])
        XCTAssertEqual(admitted.map(\.workers), [[3, 4], [5]])
        XCTAssertEqual(resharding.shardMap.shardCount, 4)
        XCTAssertFalse(resharding.inProgress)
    }

    func testTheRequestTableFiresTimersInOrderAndStaysBounded() throws {
        let model = Self.modelA
        let shared = SharedModel(model)
        let prepared = model.prepare(history: UserHistory(items: [0, 1], ratings: [5, 4]), attributes: [])
        func request(deadline: WallInstant) -> PendingRequest {
            PendingRequest(
                replyTo: ReplyAddress(routing: [1]), clientRequestID: "r", shared: shared, prepared: prepared,
                merge: ShardMerge(shardCount: 1, itemCount: model.items.count, k: 5), k: 5, deadline: deadline,
                started: 0, encodeMicros: 0, unknownItems: 0)
        }
        var table = RequestTable()
        let late = table.add(request(deadline: 300))
        let early = table.add(request(deadline: 100))
        XCTAssertNotEqual(late, early)
        XCTAssertEqual(table.count, 2)
        XCTAssertEqual(table.earliestTimer, 100)
        table.schedule(RequestTimer(time: 200, request: late, shard: 0, serial: 1))
        XCTAssertNil(table.popDue(now: 99))
        XCTAssertEqual(table.popDue(now: 250)?.request, early)
        XCTAssertEqual(table.popDue(now: 250)?.shard, 0)
        XCTAssertNil(table.popDue(now: 250))
        table[late]!.failures[0] = "x"
        XCTAssertEqual(table.withRequest(late) { $0.failures[0] }, "x")
        XCTAssertNotNil(table.remove(late))
        XCTAssertNil(table[late])
        XCTAssertNil(table.withRequest(late) { _ in 1 })
        // Timers of answered requests are dropped once they outnumber what the live ones can hold.
        for i in 0..<(RequestTable.timerSlack + 50) {
            let id = table.add(request(deadline: WallInstant(microsecondsSinceEpoch: 1_000 + UInt64(i))))
            _ = table.remove(id)
        }
        XCTAssertEqual(table.count, 1)
        XCTAssertLessThanOrEqual(table.timerCount, RequestTable.timerSlack + 8 + 1)
    }

    /// The core reads no clock: the timings a reply reports come from the clock it is given.
    func testReplyTimingsComeFromTheInjectedClock() throws {
        let map = try ShardMap(shardCount: 1)
        let ticks = Ticks()
        var core = CoordinatorCore(model: Self.modelA, shardMap: map, now: 1_000, clock: { ticks.next() })
        var worker = try ShardWorkerCore(model: Self.modelA, shard: 0, shardCounts: [1])
        var request = RecommendRequest(requestID: "t")
        request.itemIDs = [Self.modelA.items[0], Self.modelA.items[1]]
        request.ratings = [5, 4]
        request.k = 3
        var answer: ServerMessage?
        var queue = core.onClient(routing: [1], payload: ClientMessage.recommend(request).serializedBytes(), now: 1_000)
        while !queue.isEmpty {
            switch queue.removeFirst() {
            case let .toWorker(_, payload):
                let reply = worker.handle(bytes: payload, now: 1_000).serializedBytes()
                queue += core.onWorker(0, payload: reply, now: 1_050)
            case let .toClient(_, payload), let .toBatchMember(_, payload):
                answer = try ServerMessage(serializedBytes: payload)
            }
        }
        guard case let .recommend(r)? = answer else { return XCTFail("no recommendation: \(String(describing: answer))") }
        // The clock reads 1_010 after encoding, then 1_020 and 1_035 around the merge.
        XCTAssertEqual(r.timings.encodeMicros, 10)
        XCTAssertEqual(r.timings.mergeMicros, 15)
        XCTAssertEqual(r.timings.totalMicros, 50)
    }
}

/// A fake clock: 1_010, 1_020, 1_035, then 1_035 forever.
private final class Ticks: @unchecked Sendable {
    private var readings: [WallInstant] = [1_010, 1_020, 1_035]
    func next() -> WallInstant { readings.count > 1 ? readings.removeFirst() : readings[0] }
}
