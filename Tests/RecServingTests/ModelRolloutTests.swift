import RecInference
import RecModelFile
import RecTestSupport
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// Model rollout in the coordinator's state machine: workers hold versions A and B; the switch to B
/// waits for every shard; no answer mixes versions; rolling back is staging A again.
final class ModelRolloutTests: XCTestCase {
    /// Version B: the same shape as A with other shortlists and popularity.
    static let modelB: RecommenderModel = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving(seed: 99)).bytes)
    let start: WallInstant = 1_700_000_000_000_000

    /// Workers as the server runs them: a current core and, optionally, the previous version's.
    struct Cluster {
        var core: CoordinatorCore
        var current: [ShardWorkerCore]
        var previous: [ShardWorkerCore?]
        var now: WallInstant
        var replies: [ServerMessage] = []

        init(shards: Int, model: RecommenderModel, now: WallInstant) throws {
            let map = try ShardMap(shardCount: shards)
            core = CoordinatorCore(model: model, shardMap: map, now: now)
            current = try (0..<shards).map { try ShardWorkerCore(model: model, shard: $0, shardCounts: [shards]) }
            previous = Array(repeating: nil, count: shards)
            self.now = now
        }

        /// Worker `w` loads `model` beside the one it serves (what SIGHUP does in the server).
        mutating func load(_ model: RecommenderModel, on w: Int) throws {
            var fresh = try ShardWorkerCore(model: model, shard: w, shardCounts: current[w].heldShardCounts)
            fresh.otherVersions = [current[w].modelVersion]
            previous[w] = current[w]
            current[w] = fresh
        }

        mutating func run(_ actions: [CoordinatorCore.Action]) {
            var queue = actions
            while !queue.isEmpty {
                switch queue.removeFirst() {
                case let .toClient(_, payload), let .toBatchMember(_, payload): replies.append(try! ServerMessage(serializedBytes: payload))
                case let .toWorker(w, bytes):
                    let message = try? CoordinatorMessage(serializedBytes: bytes)
                    let answer: WorkerMessage
                    if case let .query(q)? = message, q.modelVersion == previous[w]?.modelVersion {
                        answer = previous[w]!.handle(q, now: now)
                    } else {
                        answer = current[w].handle(bytes: bytes, now: now)
                    }
                    queue += core.onWorker(w, payload: answer.serializedBytes(), now: now)
                }
            }
        }

        mutating func heartbeat() {
            now += .microseconds(100_000)
            run(core.onTick(now: now))
        }

        mutating func ask(_ id: String, user: Int, version: String = "") -> ServerMessage? {
            let log = CoordinatorCoreTests.dataset.log
            let h = log.history(of: user)
            var r = RecommendRequest(requestID: id, itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings, k: 10)
            r.modelVersion = version
            replies = []
            run(core.onClient(routing: [1], payload: ClientMessage.recommend(r).serializedBytes(), now: now))
            return replies.last
        }
    }

    func offline(_ model: RecommenderModel, user: Int) -> [String] {
        let log = CoordinatorCoreTests.dataset.log
        let h = log.history(of: user)
        let (history, _) = model.mapHistory(itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings)
        var vote = model.makeVote()
        return model.recommend(history: history, attributes: model.attributes.encode(nil), k: 10, vote: &vote).items.map { model.items[$0.index] }
    }

    func answer(_ reply: ServerMessage?) -> RecommendResponse? {
        if case let .recommend(r)? = reply { return r }
        return nil
    }

    func testTheSwitchWaitsForEveryShardAndNoAnswerMixesVersions() throws {
        let a = CoordinatorCoreTests.model, b = Self.modelB
        XCTAssertNotEqual(a.version, b.version)
        XCTAssertNotEqual((0..<40).map { offline(a, user: $0) }, (0..<40).map { offline(b, user: $0) }, "the two versions must differ")
        var c = try Cluster(shards: 2, model: a, now: start)
        c.heartbeat()
        c.core.stage(b)
        XCTAssertEqual(c.core.model.version, a.version, "no worker holds B yet")
        try c.load(b, on: 0)
        c.heartbeat()
        XCTAssertEqual(c.core.model.version, a.version, "shard 1 does not hold B yet")
        for u in 0..<20 {
            let r = try XCTUnwrap(answer(c.ask("a\(u)", user: u)))
            XCTAssertEqual(r.modelVersion, a.version)
            XCTAssertEqual(r.itemIDs, offline(a, user: u), "shard 0 answers A's queries with A")
        }
        try c.load(b, on: 1)
        c.heartbeat()
        XCTAssertEqual(c.core.model.version, b.version, "every shard holds B: switched")
        for u in 0..<20 {
            let r = try XCTUnwrap(answer(c.ask("b\(u)", user: u)))
            XCTAssertEqual(r.modelVersion, b.version)
            XCTAssertEqual(r.itemIDs, offline(b, user: u))
            XCTAssertEqual(r.coverage, 1)
            // A client may still pin the previous version during the rollout.
            let pinned = try XCTUnwrap(answer(c.ask("p\(u)", user: u, version: a.version)))
            XCTAssertEqual(pinned.modelVersion, a.version)
            XCTAssertEqual(pinned.itemIDs, offline(a, user: u))
        }
        // Rollback (the admin message): back to A at once, as the workers still hold it.
        c.replies = []
        c.run(
            c.core.onClient(routing: [1], payload: ClientMessage.rollback(StatusRequest(requestID: "rb")).serializedBytes(), now: c.now, admin: true))
        guard case let .status(afterRollback)? = c.replies.last else { return XCTFail("no status reply") }
        XCTAssertEqual(afterRollback.modelVersion, a.version)
        XCTAssertEqual(c.core.model.version, a.version)
        let back = try XCTUnwrap(answer(c.ask("r", user: 5)))
        XCTAssertEqual(back.modelVersion, a.version)
        XCTAssertEqual(back.itemIDs, offline(a, user: 5))
    }

    func testRollbackWithoutAPreviousVersionIsAClearError() throws {
        var c = try Cluster(shards: 1, model: CoordinatorCoreTests.model, now: start)
        c.run(
            c.core.onClient(routing: [1], payload: ClientMessage.rollback(StatusRequest(requestID: "rb")).serializedBytes(), now: c.now, admin: true))
        guard case let .error(e)? = c.replies.last else { return XCTFail("expected an error") }
        XCTAssertEqual(e.code, .invalidArgument)
        XCTAssertEqual(e.requestID, "rb")
        XCTAssertTrue(e.message.contains("no previous model version"))
    }

    func testARequestKeepsItsVersionAcrossTheSwitchAndAForeignReplyIsRefused() throws {
        let a = CoordinatorCoreTests.model, b = Self.modelB
        var c = try Cluster(shards: 1, model: a, now: start)
        c.heartbeat()
        try c.load(b, on: 0)
        // A request starts on A; before its sub-request is answered, the coordinator switches to B.
        let log = CoordinatorCoreTests.dataset.log
        let h = log.history(of: 9)
        let request = RecommendRequest(requestID: "old", itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings, k: 10)
        let sent = c.core.onClient(routing: [1], payload: ClientMessage.recommend(request).serializedBytes(), now: c.now)
        c.core.stage(b)
        c.heartbeat()
        XCTAssertEqual(c.core.model.version, b.version)
        c.replies = []
        c.run(sent)
        let r = try XCTUnwrap(answer(c.replies.last))
        XCTAssertEqual(r.modelVersion, a.version, "answered with the version it started on")
        XCTAssertEqual(r.itemIDs, offline(a, user: 9))
        // A reply naming another version than the request's is never merged.
        var d = try Cluster(shards: 1, model: a, now: start)
        let actions = d.core.onClient(routing: [1], payload: ClientMessage.recommend(request).serializedBytes(), now: d.now)
        guard case let .toWorker(w, bytes)? = actions.first, case let .query(q) = try CoordinatorMessage(serializedBytes: bytes) else {
            return XCTFail("no sub-request")
        }
        var foreign = try ShardWorkerCore(model: b, shard: 0, shardCounts: [1])
        var unpinned = q
        unpinned.modelVersion = ""
        let wrong = foreign.handle(unpinned, now: d.now)
        d.run(d.core.onWorker(w, payload: wrong.serializedBytes(), now: d.now))
        d.now += .microseconds(600_000)
        d.run(d.core.onTick(now: d.now))
        let partial = try XCTUnwrap(answer(d.replies.last))
        XCTAssertEqual(partial.coverage, 0)
        XCTAssertTrue(partial.degradedReasons.first?.contains("answered with model") == true, "\(partial.degradedReasons)")
    }
}
