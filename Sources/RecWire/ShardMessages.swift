import CRecProtocol

/// "Score your items for this user" (coordinator → every shard worker, the same to all): the top
/// clusters and their weights, the items never to return, the rows of the two-stage ranking and
/// its bounds, k, and the shard count of the item partition it was planned under.
public struct ShardQuery: Equatable, Sendable {
    public var requestID: String
    public var deadlineUnixMicros: UInt64 = 0
    public var modelVersion = ""
    public var clusterIDs: [UInt32] = []
    public var clusterWeights: [Float] = []
    public var excludeItems: [UInt32] = []
    public var rankingItems: [UInt32] = []
    public var voteBound: Float = 0
    public var itemItemBound: Float = 0
    public var k: UInt32 = 0
    public var shardCount: UInt32 = 0

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
        m.n_ranking_items = rankingItems.count; m.ranking_items = arena.array(rankingItems)
        m.vote_bound = voteBound
        m.item_item_bound = itemItemBound
        m.k = k
        m.shard_count = shardCount
        return m
    }

    init(_ c: Efficientrec__V1__ShardQuery, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
        deadlineUnixMicros = c.deadline_unix_micros
        modelVersion = try CRead.text(c.model_version, field: "model_version", limits: limits)
        clusterIDs = try CRead.values(c.n_cluster_ids, c.cluster_ids, field: "cluster_ids", limit: limits.maxClusters)
        clusterWeights = try CRead.values(c.n_cluster_weights, c.cluster_weights, field: "cluster_weights", limit: limits.maxClusters)
        excludeItems = try CRead.values(c.n_exclude_items, c.exclude_items, field: "exclude_items", limit: limits.maxItems)
        rankingItems = try CRead.values(c.n_ranking_items, c.ranking_items, field: "ranking_items", limit: limits.maxHistory)
        voteBound = c.vote_bound
        itemItemBound = c.item_item_bound
        k = c.k
        shardCount = c.shard_count
        guard clusterWeights.count == clusterIDs.count else {
            throw .lengthMismatch(field: "cluster_weights", expected: clusterIDs.count, found: clusterWeights.count)
        }
        if let bad = clusterWeights.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(field: "cluster_weights", reason: "weight \(bad) is \(clusterWeights[bad])")
        }
        for (name, value) in [("vote_bound", voteBound), ("item_item_bound", itemItemBound)] where !value.isFinite || value < 0 {
            throw .invalidValue(field: name, reason: "\(value) is not a finite, non-negative bound")
        }
        guard Int(k) <= limits.maxResultItems else { throw .tooLarge(field: "k", count: Int(k), limit: limits.maxResultItems) }
    }
}

/// One shard's final answer (worker → coordinator): its top k items, best first, with their scores.
public struct ShardReply: Equatable, Sendable {
    public var requestID: String
    public var modelVersion = ""
    public var shard: UInt32 = 0
    public var items: [UInt32] = []
    public var scores: [Float] = []
    /// The shard count of the partition the shard answered under (the query's).
    public var shardCount: UInt32 = 0

    public init(requestID: String) { self.requestID = requestID }

    func makeC(_ arena: CArena) -> Efficientrec__V1__ShardReply {
        var m = Efficientrec__V1__ShardReply()
        efficientrec__v1__shard_reply__init(&m)
        m.request_id = arena.string(requestID)
        m.model_version = arena.string(modelVersion)
        m.shard = shard
        m.n_items = items.count; m.items = arena.array(items)
        m.n_scores = scores.count; m.scores = arena.array(scores)
        m.shard_count = shardCount
        return m
    }

    init(_ c: Efficientrec__V1__ShardReply, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
        modelVersion = try CRead.text(c.model_version, field: "model_version", limits: limits)
        shard = c.shard
        items = try CRead.values(c.n_items, c.items, field: "items", limit: limits.maxResultItems)
        scores = try CRead.values(c.n_scores, c.scores, field: "scores", limit: limits.maxResultItems)
        shardCount = c.shard_count
        guard scores.count == items.count else { throw .lengthMismatch(field: "scores", expected: items.count, found: scores.count) }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(field: "scores", reason: "score \(bad) is \(scores[bad])")
        }
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
