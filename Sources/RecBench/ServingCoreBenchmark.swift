import Foundation
import RecApp
import RecData
import RecInference
import RecMath
import RecModelFile
import RecServer
import RecServing
import RecVote
import RecWire

/// `efficientrec bench-core`: the serving state machines in one process, no sockets — the CPU a
/// request costs in the coordinator and the workers, against the offline recommender measured in
/// the same run.
public struct ServingCoreBenchmark {
    public var model: String
    public var histories: String
    public var shards: Int
    public var requests: Int
    public var k: Int

    public init(model: String, histories: String, shards: Int, requests: Int, k: Int) {
        self.model = model
        self.histories = histories
        self.shards = shards
        self.requests = requests
        self.k = k
    }

    /// CPU spent per stage over all requests (seconds).
    private struct StageSeconds {
        var client = 0.0, workers = 0.0, replies = 0.0
        var workerDecode = 0.0, workerScore = 0.0, workerEncode = 0.0
        var total: Double { client + workers + replies }
    }

    public func run() throws(AppError) {
        BLAS.setThreads(1)
        let loaded = try AppError.wrap { try ModelFile.load(path: model) }
        let log = try AppError.wrap { try InteractionLog.read(path: histories) }
        guard log.users.count > 0 else { throw AppError("\(histories) has no users") }
        var workers = try AppError.wrap { try (0..<shards).map { try ShardWorkerCore(model: loaded, shard: $0, shardCounts: [shards]) } }
        let messages = (0..<log.users.count).map { u -> [UInt8] in
            let h = log.history(of: u)
            return ClientMessage.recommend(
                RecommendRequest(
                    requestID: "r\(u)", itemIDs: h.items.map { log.items[$0] },
                    ratings: h.ratings, k: UInt32(k))
            ).serializedBytes()
        }
        let seconds = try timeStateMachines(loaded, messages: messages, workers: &workers)
        let offline = timeOfflineRecommend(loaded, log: log)
        let stages = try stageTimes(loaded, messages: messages)
        let replyStages = try replyStageTimes(loaded, messages: messages, workers: &workers)
        func us(_ seconds: Double) -> String { String(format: "%.1f us", seconds / Double(requests) * 1e6) }
        print("bench-core: \(requests) requests, \(shards) shards, k \(k), histories from \(histories)")
        print("coordinator, client frame (decode, map IDs, encode user, top C, bounds, encode the sub-request): \(us(seconds.client))")
        print(
            String(
                format:
                    "  of the client frame: decode %.1f us, map item IDs %.1f us, encode user + top C %.1f us, bounds + encode sub-request %.1f us",
                stages.decode, stages.map, stages.prepare, stages.fanout))
        print("workers (decode, score own items, encode top k), all shards together:                       \(us(seconds.workers))")
        print("  of the workers: decode \(us(seconds.workerDecode)), score \(us(seconds.workerScore)), encode reply \(us(seconds.workerEncode))")
        print("coordinator, worker frames (decode, merge top-k lists, fill, encode response):             \(us(seconds.replies))")
        print(
            String(
                format: "  of the worker frames: decode %.1f us, merge %.1f us, fill + encode response %.1f us",
                replyStages.decode, replyStages.merge, replyStages.answer))
        print(
            "coordinator CPU per request: \(us(seconds.client + seconds.replies)); per worker sub-request: "
                + String(format: "%.1f us", seconds.workers / Double(requests * shards) * 1e6))
        print(
            "total CPU per request: \(us(seconds.total)); reference, offline recommend in the same process: \(us(offline)) "
                + String(format: "(x%.1f)", seconds.total / max(offline, 1e-12)))
    }

    /// Every request through the coordinator's and the workers' state machines, each stage timed.
    private func timeStateMachines(
        _ loaded: RecommenderModel, messages: [[UInt8]],
        workers: inout [ShardWorkerCore]
    ) throws(AppError) -> StageSeconds {
        let map = try AppError.wrap { try ShardMap(shardCount: shards) }
        let clock = WallClock()
        var coordinator = CoordinatorCore(model: loaded, shardMap: map, clock: { clock.now() })
        var s = StageSeconds()
        let now = clock.now()
        for n in 0..<requests {
            var t = Date()
            var actions = coordinator.onClient(routing: [1], payload: messages[n % messages.count], now: now)
            s.client += Date().timeIntervalSince(t)
            var replies: [(Int, [UInt8])] = []
            for case let .toWorker(w, bytes) in actions {
                t = Date()
                guard case let .query(q) = try AppError.wrap({ try CoordinatorMessage(serializedBytes: bytes) }) else { continue }
                let t1 = Date()
                let answer = workers[w].handle(q, now: now)
                let t2 = Date()
                replies.append((w, answer.serializedBytes()))
                let t3 = Date()
                s.workerDecode += t1.timeIntervalSince(t); s.workerScore += t2.timeIntervalSince(t1); s.workerEncode += t3.timeIntervalSince(t2)
                s.workers += t3.timeIntervalSince(t)
            }
            t = Date()
            actions = []
            for (w, bytes) in replies { actions += coordinator.onWorker(w, payload: bytes, now: now) }
            s.replies += Date().timeIntervalSince(t)
        }
        return s
    }

    /// The reference: the same requests through offline `recommend` in this process (seconds).
    private func timeOfflineRecommend(_ loaded: RecommenderModel, log: InteractionLog) -> Double {
        var vote = loaded.makeVote()
        let mapped = (0..<log.users.count).map { u -> UserHistory in
            let h = log.history(of: u)
            return loaded.mapHistory(itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings).0
        }
        let t0 = Date()
        for n in 0..<requests {
            _ = loaded.recommend(history: mapped[n % mapped.count], attributes: loaded.attributes.encode(nil), k: k, vote: &vote)
        }
        return Date().timeIntervalSince(t0)
    }

    /// The client-frame steps timed one by one (µs per request), for "where the time goes".
    private func stageTimes(_ model: RecommenderModel, messages: [[UInt8]]) throws(AppError)
        -> (decode: Double, map: Double, prepare: Double, fanout: Double)
    {
        var decode = 0.0, mapping = 0.0, prepare = 0.0, fanout = 0.0
        for n in 0..<requests {
            var t = Date()
            guard case let .recommend(r) = try AppError.wrap({ try ClientMessage(serializedBytes: messages[n % messages.count]) }) else {
                throw AppError("bench-core: a request did not decode as a recommend request")
            }
            decode += Date().timeIntervalSince(t)
            t = Date()
            let (history, _) = model.mapHistory(itemIDs: r.itemIDs, ratings: r.ratings)
            mapping += Date().timeIntervalSince(t)
            t = Date()
            let prepared = model.prepare(history: history, attributes: model.attributes.encode(nil))
            prepare += Date().timeIntervalSince(t)
            t = Date()
            let q = CoordinatorCore.shardQuery(
                id: UInt64(n), prepared: prepared, model: model, version: model.version,
                k: UInt32(k), deadline: 0, shardCount: shards)
            _ = CoordinatorMessage.query(q).serializedBytes()
            fanout += Date().timeIntervalSince(t)
        }
        let scale = 1e6 / Double(requests)
        return (decode * scale, mapping * scale, prepare * scale, fanout * scale)
    }

    /// The worker-frame steps timed one by one (µs per request): decoding the shards' replies,
    /// merging their top-k lists, and the popularity fill with the response's encoding.
    private func replyStageTimes(_ model: RecommenderModel, messages: [[UInt8]], workers: inout [ShardWorkerCore]) throws(AppError)
        -> (decode: Double, merge: Double, answer: Double)
    {
        var decode = 0.0, merge = 0.0, answer = 0.0
        for n in 0..<requests {
            guard case let .recommend(r) = try AppError.wrap({ try ClientMessage(serializedBytes: messages[n % messages.count]) }) else {
                throw AppError("bench-core: a request did not decode as a recommend request")
            }
            let prepared = model.prepare(
                history: model.mapHistory(itemIDs: r.itemIDs, ratings: r.ratings).0,
                attributes: model.attributes.encode(nil))
            let q = CoordinatorCore.shardQuery(
                id: UInt64(n), prepared: prepared, model: model, version: model.version,
                k: UInt32(k), deadline: 0, shardCount: shards)
            let replies = workers.indices.map { workers[$0].handle(q, now: 0).serializedBytes() }
            var t = Date()
            var lists: [ShardReply] = []
            for bytes in replies {
                if case let .reply(reply)? = try? WorkerMessage(serializedBytes: bytes) { lists.append(reply) }
            }
            decode += Date().timeIntervalSince(t)
            t = Date()
            var m = ShardMerge(shardCount: shards, itemCount: model.items.count, k: k)
            for reply in lists { _ = m.accept(shard: Int(reply.shard), items: reply.items, scores: reply.scores) }
            let top = m.finish()
            merge += Date().timeIntervalSince(t)
            t = Date()
            let rec = model.complete(prepared, voted: top.items, k: k)
            var response = RecommendResponse(requestID: r.requestID)
            response.itemIDs = rec.items.map { model.items[$0.index] }
            response.scores = rec.items.map(\.score)
            response.clusterIDs = rec.clusters.map { UInt32($0.index) }
            response.clusterWeights = rec.clusters.map(\.score)
            _ = ServerMessage.recommend(response).serializedBytes()
            answer += Date().timeIntervalSince(t)
        }
        let scale = 1e6 / Double(requests)
        return (decode * scale, merge * scale, answer * scale)
    }
}
