import RecCluster
import RecMath
import RecModel
import RecWire

/// A shard worker's logic without sockets: it owns the shortlists of the clusters the shard map
/// gives it and answers shard queries with partial votes.
public struct ShardWorkerCore {
    public let shard: Int
    public let shardMap: ShardMap
    public let modelVersion: String
    public let ownedClusters: [Int]
    private let owned: Set<Int>
    private let shortlists: Shortlists
    private var accumulator: VoteAccumulator
    private var excludedMask: [Bool]
    /// Shutting down: heartbeats say so, so coordinators send no new work.
    public var draining = false
    public private(set) var answered = 0
    public private(set) var expired = 0

    public init(model: RecommenderModel, shard: Int, shardMap: ShardMap) {
        self.shard = shard
        self.shardMap = shardMap
        modelVersion = model.version
        ownedClusters = shardMap.clusters(ownedBy: shard, clusterCount: model.configuration.clusters)
        let ownedSet = Set(ownedClusters)
        owned = ownedSet
        // Keep only the owned shortlists; the others are empty.
        let lists = (0..<model.configuration.clusters).map { c in ownedSet.contains(c) ? model.shortlists.entries(c) : [] }
        shortlists = Shortlists(lists: lists)
        accumulator = VoteAccumulator(itemCount: model.items.count)
        excludedMask = [Bool](repeating: false, count: model.items.count)
    }

    /// Entries of shortlists this worker holds (a worker holds about 1/N of them).
    public var heldEntries: Int { shortlists.items.count }

    /// Answers one query at time `now` (µs since the epoch). Expired work is dropped with an error.
    public mutating func handle(_ query: ShardQuery, now: UInt64) -> WorkerMessage {
        if query.deadlineUnixMicros != 0 && now > query.deadlineUnixMicros {
            expired += 1
            return .error(ErrorReply(requestID: query.requestID, code: .deadlineExceeded,
                                     message: "shard \(shard): the deadline passed before the query was served"))
        }
        if !query.modelVersion.isEmpty && query.modelVersion != modelVersion {
            return .error(ErrorReply(requestID: query.requestID, code: .modelVersionUnavailable,
                                     message: "shard \(shard) serves model \(modelVersion), not \(query.modelVersion)"))
        }
        if let stray = query.clusterIDs.first(where: { !owned.contains(Int($0)) }) {
            return .error(ErrorReply(requestID: query.requestID, code: .invalidArgument,
                                     message: "shard \(shard) does not own cluster \(stray)"))
        }
        let itemCount = excludedMask.count
        let exclude = query.excludeItems.map(Int.init).filter { $0 < itemCount }
        for i in exclude { excludedMask[i] = true }
        for (c, w) in zip(query.clusterIDs, query.clusterWeights) {
            accumulator.add(cluster: Int(c), weight: w, shortlists: shortlists, skip: excludedMask)
        }
        for i in exclude { excludedMask[i] = false }
        let partials = accumulator.takePartials()
        var reply = ShardReply(requestID: query.requestID)
        reply.modelVersion = modelVersion
        reply.shard = UInt32(shard)
        reply.answeredClusters = query.clusterIDs
        reply.items = partials.items
        reply.sums = partials.sums
        reply.counts = partials.counts
        answered += 1
        return .reply(reply)
    }

    /// This worker's heartbeat (saying whether it is draining).
    public func heartbeat(now: UInt64) -> WorkerMessage {
        .heartbeat(Heartbeat(shard: UInt32(shard), modelVersion: modelVersion, sentUnixMicros: now, draining: draining,
                             shardCount: UInt32(shardMap.shardCount)))
    }

    /// Decodes a frame and answers it; malformed bytes get an error reply, never a crash.
    public mutating func handle(bytes: [UInt8], now: UInt64) -> WorkerMessage {
        do {
            switch try CoordinatorMessage(serializedBytes: bytes) {
            case let .query(q): return handle(q, now: now)
            case .heartbeat: return heartbeat(now: now)
            }
        } catch {
            return .error(ErrorReply(requestID: "", code: error.replyCode, message: error.description))
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
