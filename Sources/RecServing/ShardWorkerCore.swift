import RecCluster
import RecMath
import RecModel
import RecWire

/// A shard worker's logic without sockets: it owns the shortlists of the clusters the shard map
/// gives it and answers shard queries with partial votes. While the cluster is resharded it can
/// hold its shard's clusters under several maps (their union), so it answers plans made under any.
public struct ShardWorkerCore: Sendable {
    public let shard: Int
    /// The map it was started with; `heldShardCounts` lists every map it holds, latest last.
    public let shardMap: ShardMap
    public private(set) var heldShardCounts: [Int]
    /// Set when a coordinator's heartbeat asks for a map this worker does not hold yet.
    public private(set) var requestedShardCount: Int?
    public let modelVersion: String
    public let ownedClusters: [Int]
    private let owned: Set<Int>
    private let shortlists: Shortlists
    private var accumulator: VoteAccumulator
    private var excludedMask: [Bool]
    /// Shutting down: heartbeats say so, so coordinators send no new work.
    public var draining = false
    /// Other model versions this worker process also serves (set by the server; listed in heartbeats).
    public var otherVersions: [String] = []
    public private(set) var answered = 0
    public private(set) var expired = 0

    public init(model: RecommenderModel, shard: Int, shardMap: ShardMap, alsoHolding others: [ShardMap] = []) {
        self.init(model: ShardModel(model), shard: shard, shardMap: shardMap, alsoHolding: others)
    }

    /// The clusters `shard` serves under `shardMap` and `others` (what `ModelFile.loadShard` keeps).
    public static func clusters(of shard: Int, under maps: [ShardMap], clusterCount: Int) -> Set<Int> {
        Set(maps.flatMap { $0.clusters(ownedBy: shard, clusterCount: clusterCount) })
    }

    public init(model: ShardModel, shard: Int, shardMap: ShardMap, alsoHolding others: [ShardMap] = []) {
        self.shard = shard
        self.shardMap = shardMap
        heldShardCounts = [shardMap.shardCount] + others.map(\.shardCount).filter { $0 != shardMap.shardCount }
        modelVersion = model.version
        let clusterCount = model.configuration.clusters
        ownedClusters = Self.clusters(of: shard, under: [shardMap] + others, clusterCount: clusterCount).sorted()
        let ownedSet = Set(ownedClusters)
        owned = ownedSet
        // Keep only the owned shortlists; the others are empty.
        let lists = (0..<model.configuration.clusters).map { c in ownedSet.contains(c) ? model.shortlists.entries(c) : [] }
        shortlists = Shortlists(lists: lists)
        accumulator = VoteAccumulator(itemCount: model.itemCount)
        excludedMask = [Bool](repeating: false, count: model.itemCount)
    }

    /// Records that this worker can serve `shardCount`'s map (it holds all its clusters already);
    /// that map becomes the one its heartbeats report (the last held).
    public mutating func markHeld(_ shardCount: Int) {
        heldShardCounts.removeAll { $0 == shardCount }
        heldShardCounts.append(shardCount)
        if requestedShardCount == shardCount { requestedShardCount = nil }
    }

    /// Forgets a request for a map that cannot be loaded (it is asked again by the next heartbeat).
    public mutating func dropRequest() { requestedShardCount = nil }

    /// Takes over the counters and drain state of the core this one replaces.
    public mutating func continueFrom(_ previous: ShardWorkerCore) {
        answered = previous.answered
        expired = previous.expired
        draining = previous.draining
        otherVersions = previous.otherVersions
    }

    /// Whether this worker already holds every cluster its shard owns under `map`.
    public func holdsAll(of map: ShardMap) -> Bool {
        map.clusters(ownedBy: shard, clusterCount: shortlistsClusterCount).allSatisfy { owned.contains($0) }
    }

    private var shortlistsClusterCount: Int { shortlists.clusterCount }

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
        var beat = Heartbeat(shard: UInt32(shard), modelVersion: modelVersion, sentUnixMicros: now, draining: draining,
                             shardCount: UInt32(heldShardCounts.last ?? shardMap.shardCount))
        beat.modelVersions = [modelVersion] + otherVersions
        return .heartbeat(beat)
    }

    /// Decodes a frame and answers it; malformed bytes get an error reply, never a crash.
    public mutating func handle(bytes: [UInt8], now: UInt64) -> WorkerMessage {
        do {
            return handle(try CoordinatorMessage(serializedBytes: bytes), now: now)
        } catch {
            return .error(ErrorReply(requestID: "", code: error.replyCode, message: error.description))
        }
    }

    /// Answers a decoded frame: a query with a partial vote, a heartbeat with this worker's own.
    public mutating func handle(_ message: CoordinatorMessage, now: UInt64) -> WorkerMessage {
        switch message {
        case let .query(q): return handle(q, now: now)
        case let .heartbeat(h):
            // A coordinator moving to another shard map: note it (the server loads the clusters).
            let wanted = Int(h.shardCount)
            if wanted > shard {
                // Holding every cluster of that map (always after growth): report it at once.
                if heldShardCounts.contains(wanted) {
                    markHeld(wanted)
                } else if let map = try? ShardMap(shardCount: wanted), holdsAll(of: map) {
                    markHeld(wanted)
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
