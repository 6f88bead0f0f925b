import RecData
import RecInference
import RecMath
import RecModelFile
import RecTestSupport
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// The coordinator and worker state machines wired together in memory: no sockets, time passed in.
final class CoordinatorCoreTests: XCTestCase {
    static let dataset = TestFixtures.generatedDataset(users: 200, items: 80, groups: 4, seed: 21)
    /// A hand-built model over the same items (i1…i80 in four groups): which clusters, and so which
    /// shards, a history reaches does not depend on a training run or the CPU's BLAS kernels.
    /// Encoding and decoding gives it its version.
    static let model: RecommenderModel = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving()).bytes)
    /// The same model ranking its pool two-stage with bounds (seeded item–item rows of mixed sign).
    static let twoStageModel: RecommenderModel = {
        var rng = SeededRandom(seed: 5)
        let rows = Dictionary(
            uniqueKeysWithValues: (0..<80).map { j in
                (j, Set((0..<12).map { _ in rng.below(80) }).sorted().map { (target: $0, weight: rng.uniform(-0.3, 1)) })
            })
        let ranked = HandBuiltModel.twoStage(HandBuiltModel.serving(), rows: rows, voteWeight: 0.25, blendScale: .bound)
        return try! ModelFile.decode(ModelFile.encode(ranked).bytes)
    }()
    let now: WallInstant = 1_700_000_000_000_000

    struct Harness {
        var coordinator: CoordinatorCore
        var workers: [ShardWorkerCore]

        init(
            model: RecommenderModel, shards: Int, replicas: Int = 1, configuration: CoordinatorCore.Configuration = .init(),
            now: WallInstant = 1_700_000_000_000_000
        ) throws {
            let map = try ShardMap(shardCount: shards)
            coordinator = CoordinatorCore(
                model: model, shardMap: map, replicas: Array(repeating: replicas, count: shards),
                configuration: configuration, now: now)
            workers = try coordinator.replicas.shardOfWorker.map { try ShardWorkerCore(model: model, shard: $0, shardCounts: [shards]) }
        }

        /// Delivers everything until the client gets its reply; `drop` workers never answer and
        /// `fail` workers answer with an error.
        mutating func request(_ message: ClientMessage, now: WallInstant, drop: Set<Int> = [], fail: Set<Int> = []) -> ServerMessage? {
            var queue = coordinator.onClient(routing: [7], payload: message.serializedBytes(), now: now)
            while !queue.isEmpty {
                let action = queue.removeFirst()
                switch action {
                case let .toClient(routing, payload):
                    XCTAssertEqual(routing, [7])
                    return try? ServerMessage(serializedBytes: payload)
                case let .toBatchMember(_, payload):
                    return try? ServerMessage(serializedBytes: payload)
                case let .toWorker(worker, payload):
                    if drop.contains(worker) { continue }
                    var reply = workers[worker].handle(bytes: payload, now: now)
                    if fail.contains(worker), case let .reply(r) = reply {
                        reply = .error(ErrorReply(requestID: r.requestID, code: .internalError, message: "injected failure"))
                    }
                    queue += coordinator.onWorker(worker, payload: reply.serializedBytes(), now: now)
                }
            }
            return nil
        }
    }

    func offline(_ items: [String], _ ratings: [Float], k: Int, model: RecommenderModel = CoordinatorCoreTests.model) -> [(String, Float)] {
        let (h, _) = model.mapHistory(itemIDs: items, ratings: ratings)
        var vote = model.makeVote()
        return model.recommend(history: h, attributes: model.attributes.encode(nil), k: k, vote: &vote)
            .items.map { (model.items[$0.index], $0.score) }
    }

    func testAnswersEqualTheOfflineRecommenderForAnyShardCount() throws {
        for model in [Self.model, Self.twoStageModel] {
            for (shards, replicas) in [(1, 1), (2, 1), (3, 1), (5, 1), (7, 1), (2, 2)] {
                var harness = try Harness(model: model, shards: shards, replicas: replicas)
                for u in stride(from: 0, to: 200, by: 23) {
                    let h = Self.dataset.log.history(of: u)
                    let ids = h.items.map { Self.dataset.log.items[$0] }
                    let request = RecommendRequest(requestID: "r\(u)", itemIDs: ids, ratings: h.ratings, k: 15)
                    guard case let .recommend(r)? = harness.request(.recommend(request), now: now) else {
                        return XCTFail("no recommendation for user \(u) with \(shards) shards")
                    }
                    let expected = offline(ids, h.ratings, k: 15, model: model)
                    let label = "\(model.configuration.ranking), \(shards) shards × \(replicas), user \(u)"
                    XCTAssertEqual(r.itemIDs, expected.map(\.0), label)
                    XCTAssertEqual(r.scores, expected.map(\.1), label)
                    XCTAssertEqual(r.coverage, 1)
                    XCTAssertEqual(r.requestID, "r\(u)")
                    XCTAssertEqual(r.modelVersion, model.version)
                    XCTAssertTrue(r.degradedReasons.isEmpty)
                }
            }
        }
    }

    func testEveryShardGetsTheSameBoundedSubRequest() throws {
        var harness = try Harness(model: Self.twoStageModel, shards: 7)
        let actions = harness.coordinator.onClient(
            routing: [1],
            payload: ClientMessage.recommend(RecommendRequest(requestID: "x", itemIDs: ["i1", "i5"], ratings: [5, 5], k: 5)).serializedBytes(),
            now: now)
        let sent = actions.compactMap { a -> (Int, [UInt8])? in if case let .toWorker(s, p) = a { return (s, p) } else { return nil } }
        XCTAssertEqual(sent.map(\.0), Array(0..<7), "one sub-request per shard")
        XCTAssertEqual(Set(sent.map(\.1)).count, 1, "the same bytes to every shard")
        guard case let .query(q) = try CoordinatorMessage(serializedBytes: sent[0].1) else { return XCTFail("not a query") }
        XCTAssertEqual(q.k, 5)
        XCTAssertEqual(q.shardCount, 7)
        XCTAssertEqual(q.clusterIDs.count, Self.model.configuration.topClusters)
        XCTAssertGreaterThan(q.voteBound, 0)
        XCTAssertGreaterThan(q.itemItemBound, 0)
        // Each shard answers with at most k entries, whatever the pool's size.
        for (worker, payload) in sent {
            guard case let .reply(r) = harness.workers[worker].handle(bytes: payload, now: now) else { return XCTFail("no reply") }
            XCTAssertLessThanOrEqual(r.items.count, 5)
        }
    }

    func testASilentShardGivesCoverageBelowOneAtTheDeadline() throws {
        var harness = try Harness(model: Self.model, shards: 3)
        let request = RecommendRequest(
            requestID: "slow", itemIDs: ["i1", "i2", "i3", "i9"], ratings: [5, 5, 4, 5], k: 10,
            deadlineUnixMicros: (now + .microseconds(50_000)).microsecondsSinceEpoch)
        let asked = harness.coordinator.onClient(routing: [7], payload: ClientMessage.recommend(request).serializedBytes(), now: now)
            .compactMap { a -> Int? in if case let .toWorker(s, _) = a { return s } else { return nil } }
        XCTAssertNil(harness.request(.recommend(request), now: now, drop: Set(asked)), "no reply before the deadline")
        XCTAssertTrue(clientFrames(harness.coordinator.onTick(now: now + .microseconds(10_000))).isEmpty)
        let late = clientFrames(harness.coordinator.onTick(now: now + .microseconds(50_001)))
        XCTAssertEqual(late.count, 2, "both requests in flight are answered at their deadline")
        guard let payload = late.first, case let .recommend(r) = try ServerMessage(serializedBytes: payload) else {
            return XCTFail("expected a recommendation")
        }
        XCTAssertLessThan(r.coverage, 1)
        XCTAssertFalse(r.degradedReasons.isEmpty)
        XCTAssertTrue(r.degradedReasons[0].contains("did not answer by the deadline"), r.degradedReasons[0])
        XCTAssertEqual(r.itemIDs.count, 10, "never a silently shorter list: filled and flagged")
        XCTAssertEqual(harness.coordinator.inFlight, 0)
        XCTAssertEqual(harness.coordinator.statistics.degraded, 2)
    }

    func testPartialCoverageWhenOneShardIsDown() throws {
        var harness = try Harness(model: Self.model, shards: 3)
        let ids = (1...20).filter { ($0 - 1) % 4 == 0 }.map { "i\($0)" }
        let request = RecommendRequest(
            requestID: "p", itemIDs: ids, ratings: Array(repeating: 5, count: ids.count), k: 10,
            deadlineUnixMicros: (now + .microseconds(1_000)).microsecondsSinceEpoch)
        let plan = harness.coordinator.onClient(routing: [7], payload: ClientMessage.recommend(request).serializedBytes(), now: now)
        let shardsAsked = plan.compactMap { a -> Int? in if case let .toWorker(s, _) = a { return s } else { return nil } }
        XCTAssertEqual(shardsAsked, [0, 1, 2])
        var replies: [CoordinatorCore.Action] = []
        for case let .toWorker(worker, payload) in plan where worker != shardsAsked[0] {
            replies += harness.coordinator.onWorker(
                worker, payload: harness.workers[worker].handle(bytes: payload, now: now).serializedBytes(), now: now)
        }
        XCTAssertTrue(replies.isEmpty)
        guard let payload = clientFrames(harness.coordinator.onTick(now: now + .microseconds(2_000))).first,
            case let .recommend(r) = try ServerMessage(serializedBytes: payload)
        else { return XCTFail("expected a reply") }
        XCTAssertEqual(r.coverage, 2.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(r.degradedReasons, ["shard \(shardsAsked[0]) did not answer by the deadline"])
    }

    func testReplicasGiveTheSameAnswerAndAnErrorFailsOverToASibling() throws {
        var plain = try Harness(model: Self.model, shards: 2)
        var replicated = try Harness(model: Self.model, shards: 2, replicas: 2)
        XCTAssertEqual(replicated.coordinator.replicas.workers, [[0, 1], [2, 3]])
        for u in stride(from: 0, to: 200, by: 31) {
            let h = Self.dataset.log.history(of: u)
            let request = RecommendRequest(requestID: "r\(u)", itemIDs: h.items.map { Self.dataset.log.items[$0] }, ratings: h.ratings, k: 10)
            guard case let .recommend(a)? = plain.request(.recommend(request), now: now),
                case let .recommend(b)? = replicated.request(.recommend(request), now: now, fail: [0, 2])
            else {
                return XCTFail("no answer for user \(u)")
            }
            XCTAssertEqual(a.itemIDs, b.itemIDs)
            XCTAssertEqual(a.scores, b.scores)
            XCTAssertEqual(b.coverage, 1, "the failing replica's work was redone by its sibling")
        }
        XCTAssertGreaterThan(replicated.coordinator.statistics.retries, 0)
        XCTAssertEqual(replicated.coordinator.replicas.inFlight, [0, 0, 0, 0], "every sub-request was accounted for")
        // With every replica of a shard failing, the answer is partial and says why.
        var broken = try Harness(model: Self.model, shards: 1, replicas: 2)
        guard
            case let .recommend(r)? = broken.request(
                .recommend(RecommendRequest(requestID: "x", itemIDs: ["i1", "i2"], ratings: [5, 5], k: 5)),
                now: now, fail: [0, 1])
        else { return XCTFail() }
        XCTAssertEqual(r.coverage, 0)
        XCTAssertTrue(r.degradedReasons[0].contains("injected failure"), "\(r.degradedReasons)")
    }

    /// The payloads of the actions addressed to clients (heartbeats to workers left out).
    func clientFrames(_ actions: [CoordinatorCore.Action]) -> [[UInt8]] {
        actions.compactMap { if case let .toClient(_, payload) = $0 { return payload } else { return nil } }
    }

    func error(_ reply: ServerMessage?) -> ErrorReply? {
        if case let .error(e)? = reply { return e }
        return nil
    }

    func testBadInputGetsAClearErrorAndTheCoordinatorKeepsServing() throws {
        var harness = try Harness(model: Self.model, shards: 2)
        var raw = harness.coordinator.onClient(routing: [7], payload: [0xFF, 0x00, 0x13], now: now)
        guard case let .toClient(_, payload) = raw[0] else { return XCTFail() }
        XCTAssertEqual(error(try? ServerMessage(serializedBytes: payload))?.code, .malformed)
        raw = harness.coordinator.onClient(routing: [7], payload: [0x08, 0x09, 0x1A, 0x00], now: now)  // protocol 9
        guard case let .toClient(_, p2) = raw[0] else { return XCTFail() }
        XCTAssertEqual(error(try? ServerMessage(serializedBytes: p2))?.code, .unsupportedProtocol)

        XCTAssertEqual(
            error(harness.request(.recommend(RecommendRequest(requestID: "k0", itemIDs: ["i1"], ratings: [5], k: 0)), now: now))?.code,
            .invalidArgument)
        XCTAssertEqual(
            error(harness.request(.recommend(RecommendRequest(requestID: "kbig", itemIDs: ["i1"], ratings: [5], k: 1_000_000)), now: now))?.code,
            .invalidArgument)
        XCTAssertEqual(
            error(harness.request(.recommend(RecommendRequest(requestID: "v", itemIDs: ["i1"], ratings: [5], k: 5, modelVersion: "nope")), now: now))?
                .code,
            .modelVersionUnavailable)
        XCTAssertEqual(
            error(
                harness.request(
                    .recommend(
                        RecommendRequest(
                            requestID: "late", itemIDs: ["i1"], ratings: [5], k: 5,
                            deadlineUnixMicros: (now + .microseconds(-1)).microsecondsSinceEpoch)), now: now))?.code,
            .deadlineExceeded)
        let huge = RecommendRequest(requestID: "huge", itemIDs: (0..<100_000).map { "i\($0)" }, ratings: Array(repeating: 4, count: 100_000), k: 5)
        let hugeError = error(harness.request(.recommend(huge), now: now))
        XCTAssertEqual(hugeError?.code, .invalidArgument)
        XCTAssertTrue(hugeError?.message.contains("limit") ?? false)
        let nan = RecommendRequest(requestID: "nan", itemIDs: ["i1", "i2"], ratings: [5, .nan], k: 5)
        XCTAssertEqual(error(harness.request(.recommend(nan), now: now))?.code, .invalidArgument)

        // Documented behaviours rather than errors: unknown items are counted, an empty history gets popularity.
        guard
            case let .recommend(unknown)? = harness.request(
                .recommend(RecommendRequest(requestID: "u", itemIDs: ["i1", "ghost"], ratings: [5, 5], k: 5)), now: now)
        else { return XCTFail() }
        XCTAssertEqual(unknown.unknownItems, 1)
        guard case let .recommend(empty)? = harness.request(.recommend(RecommendRequest(requestID: "e", k: 5)), now: now) else { return XCTFail() }
        XCTAssertEqual(empty.itemIDs, Self.model.popularity.prefix(5).map { Self.model.items[$0] })
        XCTAssertEqual(empty.filledFromPopularity, 5)
        XCTAssertTrue(empty.clusterIDs.isEmpty)
        XCTAssertEqual(empty.coverage, 1)

        // Still serving.
        guard case .recommend? = harness.request(.recommend(RecommendRequest(requestID: "ok", itemIDs: ["i1"], ratings: [5], k: 5)), now: now)
        else { return XCTFail("the coordinator stopped serving") }
        guard case let .status(s)? = harness.request(.status(StatusRequest(requestID: "st")), now: now) else { return XCTFail() }
        XCTAssertEqual(s.shards.count, 2)
        XCTAssertGreaterThan(s.shards.map(\.requests).reduce(0, +), 0, "sub-requests are counted per shard")
        XCTAssertTrue(s.shards.allSatisfy(\.alive))
        XCTAssertGreaterThan(s.requests, 0)
        XCTAssertGreaterThan(s.errors, 0)
    }

    func testWorkerRejectsExpiredStrayAndWrongVersionQueries() throws {
        var worker = try ShardWorkerCore(model: Self.model, shard: 0, shardCounts: [2])
        var q = ShardQuery(requestID: "1")
        q.clusterIDs = [0]; q.clusterWeights = [0.9]; q.deadlineUnixMicros = (now + .microseconds(-1)).microsecondsSinceEpoch; q.k = 10;
        q.shardCount = 2
        guard case let .error(expired) = worker.handle(q, now: now) else { return XCTFail() }
        XCTAssertEqual(expired.code, .deadlineExceeded)
        XCTAssertEqual(expired.requestID, "1")
        XCTAssertEqual(worker.expired, 1)
        q.deadlineUnixMicros = 0
        q.clusterIDs = [UInt32(Self.model.configuration.clusters)]
        guard case let .error(e2) = worker.handle(q, now: now) else { return XCTFail() }
        XCTAssertEqual(e2.code, .invalidArgument)
        q.clusterIDs = [0]; q.modelVersion = "other"
        guard case let .error(e3) = worker.handle(q, now: now) else { return XCTFail() }
        XCTAssertEqual(e3.code, .modelVersionUnavailable)
        guard case let .error(e4) = worker.handle(bytes: [1, 2, 3], now: now) else { return XCTFail() }
        XCTAssertEqual(e4.code, .malformed)
        q.modelVersion = ""
        q.shardCount = 3
        guard case let .error(e5) = worker.handle(q, now: now) else { return XCTFail() }
        XCTAssertEqual(e5.code, .invalidArgument, "a shard count it does not hold")
        q.shardCount = 2
        q.excludeItems = [UInt32(Self.model.items.count)]
        guard case let .error(e6) = worker.handle(q, now: now) else { return XCTFail() }
        XCTAssertEqual(e6.code, .invalidArgument, "an item outside the catalogue")
        q.k = 0; q.excludeItems = []
        guard case let .error(e7) = worker.handle(q, now: now) else { return XCTFail() }
        XCTAssertEqual(e7.code, .invalidArgument)
        q.k = 10
        guard case let .reply(all) = worker.handle(q, now: now) else { return XCTFail() }
        q.excludeItems = all.items.prefix(3).map { $0 }
        guard case let .reply(r) = worker.handle(q, now: now) else { return XCTFail() }
        XCTAssertTrue(Set(r.items).isDisjoint(with: q.excludeItems))
        XCTAssertEqual(r.shardCount, 2)
        XCTAssertLessThanOrEqual(r.items.count, 10)
    }
}
