import RecInference
import RecMath
import RecVote
import RecWire

/// A shard worker's logic without sockets: it owns a subset of the items (`ItemShard`, cut by the
/// model's `ItemPartition` for a shard count) and answers every shard query with its final top k.
/// While the cluster is resharded it holds its shard under the old and the new shard count, so it
/// answers plans made under either.
public struct ShardWorkerCore: Sendable {
    public let shard: Int
    /// The shard counts it holds a partition for, latest last (heartbeats report the latest).
    public private(set) var heldShardCounts: [Int]
    /// Set when a coordinator's heartbeat asks for a shard count this worker does not hold yet.
    public private(set) var requestedShardCount: Int?
    public let modelVersion: String
    private var parts: [Int: ItemShard]
    private var votes: VoteAccumulator
    /// Shutting down: heartbeats say so, so coordinators send no new work.
    public var draining = false
    /// Other model versions this worker process also serves (set by the server; listed in heartbeats).
    public var otherVersions: [String] = []
    public private(set) var answered = 0
    public private(set) var expired = 0

    /// Shard `shard` of `model` under each of `shardCounts` (the first is the one it starts on).
    public init(model: RecommenderModel, shard: Int, shardCounts: [Int]) throws(ShardModel.Problem) {
        self.init(
            model: try ShardModel(model, shard: shard, shardCounts: shardCounts), shard: shard,
            shardCounts: shardCounts)
    }

    /// A worker holding `model`'s parts; `shardCounts` orders them (the latest last).
    public init(model: ShardModel, shard: Int, shardCounts: [Int]) {
        self.shard = shard
        var held: [Int] = []
        for count in shardCounts where model.parts[count] != nil && !held.contains(count) { held.append(count) }
        heldShardCounts = held
        modelVersion = model.version
        parts = model.parts
        votes = VoteAccumulator(itemCount: model.itemCount)
    }

    /// Forgets a request for a shard count that cannot be loaded (the next heartbeat asks again).
    public mutating func dropRequest() { requestedShardCount = nil }

    /// Takes over the counters and drain state of the core this one replaces.
    public mutating func continueFrom(_ previous: ShardWorkerCore) {
        answered = previous.answered
        expired = previous.expired
        draining = previous.draining
        otherVersions = previous.otherVersions
    }

    /// Whether this worker holds its shard of the partition into `shardCount` shards.
    public func holds(shardCount: Int) -> Bool { parts[shardCount] != nil }

    /// Shortlist entries this worker holds (a worker holds about 1/N of them per shard count).
    public var heldEntries: Int { parts.values.reduce(0) { $0 + $1.entryCount } }

    /// Answers one query at time `now` (µs since the epoch). Expired work is dropped with an error.
    public mutating func handle(_ query: ShardQuery, now: WallInstant) -> WorkerMessage {
        if query.deadlineUnixMicros != 0 && now > WallInstant(microsecondsSinceEpoch: query.deadlineUnixMicros) {
            expired += 1
            return .error(
                ErrorReply(
                    requestID: query.requestID, code: .deadlineExceeded,
                    message: "shard \(shard): the deadline passed before the query was served"))
        }
        if !query.modelVersion.isEmpty && query.modelVersion != modelVersion {
            return .error(
                ErrorReply(
                    requestID: query.requestID, code: .modelVersionUnavailable,
                    message: "shard \(shard) serves model \(modelVersion), not \(query.modelVersion)"))
        }
        let count = Int(query.shardCount)
        guard let part = parts[count] else {
            return .error(
                ErrorReply(
                    requestID: query.requestID, code: .invalidArgument,
                    message: "shard \(shard) holds no items of \(count) shards (it holds \(heldShardCounts))"))
        }
        let clusterCount = part.shortlists.clusterCount
        if let stray = query.clusterIDs.first(where: { Int($0) >= clusterCount }) {
            return .error(
                ErrorReply(
                    requestID: query.requestID, code: .invalidArgument,
                    message: "cluster \(stray) is not one of the model's \(clusterCount)"))
        }
        let itemCount = part.itemCount
        if let stray = query.excludeItems.first(where: { Int($0) >= itemCount }) ?? query.rankingItems.first(where: { Int($0) >= itemCount }) {
            return .error(
                ErrorReply(
                    requestID: query.requestID, code: .invalidArgument,
                    message: "item index \(stray) is outside the catalogue of \(itemCount)"))
        }
        guard query.k >= 1 else {
            return .error(ErrorReply(requestID: query.requestID, code: .invalidArgument, message: "k must be at least 1"))
        }
        let request = ItemShard.Request(
            clusters: zip(query.clusterIDs, query.clusterWeights).map { (Int($0), $1) },
            rankingItems: query.rankingItems.map(Int.init), excluded: query.excludeItems.map(Int.init),
            bounds: (query.voteBound, query.itemItemBound), k: Int(query.k))
        let top = part.score(request, votes: &votes)
        var reply = ShardReply(requestID: query.requestID)
        reply.modelVersion = modelVersion
        reply.shard = UInt32(shard)
        reply.shardCount = query.shardCount
        reply.items = top.map { UInt32($0.index) }
        reply.scores = top.map(\.score)
        answered += 1
        return .reply(reply)
    }

    /// This worker's heartbeat (saying whether it is draining).
    public func heartbeat(now: WallInstant) -> WorkerMessage {
        var beat = Heartbeat(
            shard: UInt32(shard), modelVersion: modelVersion, sentUnixMicros: now.microsecondsSinceEpoch, draining: draining,
            shardCount: UInt32(heldShardCounts.last ?? 0))
        beat.modelVersions = [modelVersion] + otherVersions
        return .heartbeat(beat)
    }

    /// Decodes a frame and answers it; malformed bytes get an error reply, never a crash.
    public mutating func handle(bytes: [UInt8], now: WallInstant) -> WorkerMessage {
        do {
            return handle(try CoordinatorMessage(serializedBytes: bytes), now: now)
        } catch {
            return .error(ErrorReply(requestID: "", code: error.replyCode, message: error.description))
        }
    }

    /// Answers a decoded frame: a query with this shard's top k, a heartbeat with its own.
    public mutating func handle(_ message: CoordinatorMessage, now: WallInstant) -> WorkerMessage {
        switch message {
        case let .query(q): return handle(q, now: now)
        case let .heartbeat(h):
            // A coordinator moving to another shard count: report it at once when held (the latest
            // held count is the one heartbeats report), else note it (the server loads it).
            let wanted = Int(h.shardCount)
            if wanted > shard {
                if holds(shardCount: wanted) {
                    heldShardCounts.removeAll { $0 == wanted }
                    heldShardCounts.append(wanted)
                    if requestedShardCount == wanted { requestedShardCount = nil }
                } else {
                    requestedShardCount = wanted
                }
            }
            return heartbeat(now: now)
        }
    }
}

extension WireError {
    /// The error code a peer gets for this decoding failure.
    public var replyCode: ErrorReply.Code {
        switch self {
        case .unsupportedProtocol: return .unsupportedProtocol
        case .malformed, .invalidUTF8, .missingBody: return .malformed
        case .lengthMismatch, .tooLarge, .invalidValue: return .invalidArgument
        }
    }
}
