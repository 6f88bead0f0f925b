import Foundation
import RecCluster
import RecData
import RecMath
import RecModel
import RecServer
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

    public func run() throws(AppError) {
        BLAS.setThreads(1)
        let loaded = try AppError.wrap { try ModelFile.load(path: model) }
        let log = try AppError.wrap { try InteractionLog.read(path: histories) }
        guard log.users.count > 0 else { throw AppError("\(histories) has no users") }
        let map = try AppError.wrap { try ShardMap(shardCount: shards) }
        var coordinator = CoordinatorCore(model: loaded, shardMap: map)
        var workers = (0..<shards).map { ShardWorkerCore(model: loaded, shard: $0, shardMap: map) }
        let messages = (0..<log.users.count).map { u -> [UInt8] in
            let h = log.history(of: u)
            return ClientMessage.recommend(RecommendRequest(requestID: "r\(u)", itemIDs: h.items.map { log.items[$0] },
                                                            ratings: h.ratings, k: UInt32(k))).serializedBytes()
        }
        var clientTime = 0.0, workerTime = 0.0, replyTime = 0.0
        let now = WallClock.nowMicros()
        for n in 0..<requests {
            var t = Date()
            var actions = coordinator.onClient(routing: [1], payload: messages[n % messages.count], now: now)
            clientTime += Date().timeIntervalSince(t)
            var replies: [(Int, [UInt8])] = []
            t = Date()
            for case let .toWorker(w, bytes) in actions {
                replies.append((w, workers[w].handle(bytes: bytes, now: now).serializedBytes()))
            }
            workerTime += Date().timeIntervalSince(t)
            t = Date()
            actions = []
            for (w, bytes) in replies { actions += coordinator.onWorker(w, payload: bytes, now: now) }
            replyTime += Date().timeIntervalSince(t)
        }
        var vote = loaded.makeVote()
        let mapped = (0..<log.users.count).map { u -> UserHistory in
            let h = log.history(of: u)
            return loaded.mapHistory(itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings).0
        }
        let t0 = Date()
        for n in 0..<requests {
            _ = loaded.recommend(history: mapped[n % mapped.count], attributes: loaded.attributes.encode(nil), k: k, vote: &vote)
        }
        let offline = Date().timeIntervalSince(t0)
        func us(_ seconds: Double) -> String { String(format: "%.1f us", seconds / Double(requests) * 1e6) }
        print("bench-core: \(requests) requests, \(shards) shards, k \(k), histories from \(histories)")
        print("coordinator, client frame (decode, map IDs, encode user, plan, encode sub-requests): \(us(clientTime))")
        print("workers (decode, partial vote, encode reply), all shards together:                 \(us(workerTime))")
        print("coordinator, worker frames (decode, merge, top k, encode response):                \(us(replyTime))")
        let total = clientTime + workerTime + replyTime
        print("total CPU per request: \(us(total)); reference, offline recommend in the same process: \(us(offline)) "
              + String(format: "(x%.1f)", total / max(offline, 1e-12)))
    }
}
