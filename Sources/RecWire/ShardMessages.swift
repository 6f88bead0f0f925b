import CRecProtocol

/// "Score these clusters with these weights, excluding these items" (coordinator → worker).
public struct ShardQuery: Equatable, Sendable {
    public var requestID: String
    public var deadlineUnixMicros: UInt64 = 0
    public var modelVersion = ""
    public var clusterIDs: [UInt32] = []
    public var clusterWeights: [Float] = []
    public var excludeItems: [UInt32] = []

    public init(requestID: String) { self.requestID = requestID }

    func makeC(_ arena: CArena) -> Efficientrec__V1__ShardQuery {
        var m = Efficientrec__V1__ShardQuery()
        efficientrec__v1__shard_query__init(&m)
        m.request_id = arena.string(requestID)
        m.deadline_unix_micros = deadlineUnixMicros
        m.model_version = arena.string(modelVersion)
        m.n_cluster_ids = clusterIDs.count; m.cluster_ids = arena.array(clusterIDs)
        m.n_cluster_weights = clusterWeights.count; m.cluster_weights = arena.array(clusterWeights)
        m.n_exclude_items = excludeItems.count; m.exclude_items = arena.array(excludeItems)
        return m
    }

    init(_ c: Efficientrec__V1__ShardQuery, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
        deadlineUnixMicros = c.deadline_unix_micros
        modelVersion = try CRead.text(c.model_version, field: "model_version", limits: limits)
        clusterIDs = try CRead.values(c.n_cluster_ids, c.cluster_ids, field: "cluster_ids", limit: limits.maxClusters)
        clusterWeights = try CRead.values(c.n_cluster_weights, c.cluster_weights, field: "cluster_weights", limit: limits.maxClusters)
        excludeItems = try CRead.values(c.n_exclude_items, c.exclude_items, field: "exclude_items", limit: limits.maxItems)
        guard clusterWeights.count == clusterIDs.count else {
            throw .lengthMismatch(field: "cluster_weights", expected: clusterIDs.count, found: clusterWeights.count)
        }
        if let bad = clusterWeights.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(field: "cluster_weights", reason: "weight \(bad) is \(clusterWeights[bad])")
        }
    }
}

/// A partial vote from one shard (worker → coordinator): fixed-point sums per item.
public struct ShardReply: Equatable, Sendable {
    public var requestID: String
    public var modelVersion = ""
    public var shard: UInt32 = 0
    public var answeredClusters: [UInt32] = []
    public var items: [UInt32] = []
    public var sums: [Int64] = []
    public var counts: [UInt32] = []

    public init(requestID: String) { self.requestID = requestID }

    func makeC(_ arena: CArena) -> Efficientrec__V1__ShardReply {
        var m = Efficientrec__V1__ShardReply()
        efficientrec__v1__shard_reply__init(&m)
        m.request_id = arena.string(requestID)
        m.model_version = arena.string(modelVersion)
        m.shard = shard
        m.n_answered_clusters = answeredClusters.count; m.answered_clusters = arena.array(answeredClusters)
        m.n_items = items.count; m.items = arena.array(items)
        m.n_sums = sums.count; m.sums = arena.array(sums)
        m.n_counts = counts.count; m.counts = arena.array(counts)
        return m
    }

    init(_ c: Efficientrec__V1__ShardReply, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
        modelVersion = try CRead.text(c.model_version, field: "model_version", limits: limits)
        shard = c.shard
        answeredClusters = try CRead.values(c.n_answered_clusters, c.answered_clusters, field: "answered_clusters", limit: limits.maxClusters)
        items = try CRead.values(c.n_items, c.items, field: "items", limit: limits.maxItems)
        sums = try CRead.values(c.n_sums, c.sums, field: "sums", limit: limits.maxItems)
        counts = try CRead.values(c.n_counts, c.counts, field: "counts", limit: limits.maxItems)
        guard sums.count == items.count else { throw .lengthMismatch(field: "sums", expected: items.count, found: sums.count) }
        guard counts.count == items.count else { throw .lengthMismatch(field: "counts", expected: items.count, found: counts.count) }
    }
}

public struct Heartbeat: Equatable, Sendable {
    public var shard: UInt32
    public var modelVersion: String
    public var sentUnixMicros: UInt64
    /// Sent by a worker that is shutting down.
    public var draining: Bool
    /// The shard count of the sender's shard map (0: not stated).
    public var shardCount: UInt32
    /// Worker → coordinator: every model version it holds.
    public var modelVersions: [String] = []

    public init(shard: UInt32, modelVersion: String, sentUnixMicros: UInt64, draining: Bool = false, shardCount: UInt32 = 0) {
        self.shard = shard
        self.modelVersion = modelVersion
        self.sentUnixMicros = sentUnixMicros
        self.draining = draining
        self.shardCount = shardCount
    }

    func makeC(_ arena: CArena) -> Efficientrec__V1__Heartbeat {
        var m = Efficientrec__V1__Heartbeat()
        efficientrec__v1__heartbeat__init(&m)
        m.shard = shard
        m.model_version = arena.string(modelVersion)
        m.sent_unix_micros = sentUnixMicros
        m.draining = draining ? 1 : 0
        m.shard_count = shardCount
        m.n_model_versions = modelVersions.count
        m.model_versions = arena.strings(modelVersions)
        return m
    }

    init(_ c: Efficientrec__V1__Heartbeat, limits: WireLimits) throws(WireError) {
        shard = c.shard
        modelVersion = try CRead.text(c.model_version, field: "model_version", limits: limits)
        sentUnixMicros = c.sent_unix_micros
        draining = c.draining != 0
        shardCount = c.shard_count
        modelVersions = try CRead.texts(c.n_model_versions, c.model_versions, field: "model_versions", limit: 16, limits: limits)
    }
}
