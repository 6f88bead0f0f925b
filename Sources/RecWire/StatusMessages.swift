import CRecProtocol

public struct StatusRequest: Equatable, Sendable {
    public var requestID: String
    public init(requestID: String) { self.requestID = requestID }

    func makeC(_ arena: CArena) -> Efficientrec__V1__StatusRequest {
        var m = Efficientrec__V1__StatusRequest()
        efficientrec__v1__status_request__init(&m)
        m.request_id = arena.string(requestID)
        return m
    }

    init(_ c: Efficientrec__V1__StatusRequest, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
    }
}

public struct ShardStatus: Equatable, Sendable {
    public var shard: UInt32 = 0
    public var endpoint = ""
    public var modelVersion = ""
    public var alive = false
    public var requests: UInt64 = 0
    public var p50Micros: UInt32 = 0
    public var p99Micros: UInt32 = 0
    public var replicas: UInt32 = 0
    public var replicasAlive: UInt32 = 0
    public init() {}
}

/// The coordinator's view of itself and its shards.
public struct StatusResponse: Equatable, Sendable {
    public var requestID: String
    public var modelVersion = ""
    public var requests: UInt64 = 0
    public var errors: UInt64 = 0
    public var degraded: UInt64 = 0
    public var p50Micros: UInt32 = 0
    public var p90Micros: UInt32 = 0
    public var p99Micros: UInt32 = 0
    public var shards: [ShardStatus] = []
    public var ready = false
    public var retries: UInt64 = 0
    public var hedges: UInt64 = 0
    public var failovers: UInt64 = 0
    public var heartbeatMisses: UInt64 = 0
    public var overloaded: UInt64 = 0
    public var lowCoverage: UInt64 = 0
    public var lateReplies: UInt64 = 0
    public var completeReplies: UInt64 = 0
    public var inFlight: UInt32 = 0
    public var admissionLimit: UInt32 = 0
    public var authRefused: UInt64 = 0
    public var handshakeFailures: UInt64 = 0
    /// Client connections lost: clients that left, or that the transport dropped (a frame over the
    /// size cap, a protocol error).
    public var clientDisconnects: UInt64 = 0
    /// Item IDs on the coordinator's blocklist.
    public var blockedItems: UInt32 = 0

    public init(requestID: String) { self.requestID = requestID }

    func makeC(_ arena: CArena) -> Efficientrec__V1__StatusResponse {
        var m = Efficientrec__V1__StatusResponse()
        efficientrec__v1__status_response__init(&m)
        m.request_id = arena.string(requestID)
        m.model_version = arena.string(modelVersion)
        m.requests = requests; m.errors = errors; m.degraded = degraded
        m.p50_micros = p50Micros; m.p90_micros = p90Micros; m.p99_micros = p99Micros
        m.ready = ready ? 1 : 0
        m.retries = retries; m.hedges = hedges; m.failovers = failovers; m.heartbeat_misses = heartbeatMisses
        m.overloaded = overloaded; m.low_coverage = lowCoverage; m.late_replies = lateReplies
        m.complete_replies = completeReplies; m.in_flight = inFlight; m.admission_limit = admissionLimit
        m.auth_refused = authRefused; m.handshake_failures = handshakeFailures; m.client_disconnects = clientDisconnects
        m.blocked_items = blockedItems
        let shardPointers: [UnsafeMutablePointer<Efficientrec__V1__ShardStatus>?] = shards.map { s in
            var c = Efficientrec__V1__ShardStatus()
            efficientrec__v1__shard_status__init(&c)
            c.shard = s.shard
            c.endpoint = arena.string(s.endpoint)
            c.model_version = arena.string(s.modelVersion)
            c.alive = s.alive ? 1 : 0
            c.requests = s.requests; c.p50_micros = s.p50Micros; c.p99_micros = s.p99Micros
            c.replicas = s.replicas; c.replicas_alive = s.replicasAlive
            return arena.object(c)
        }
        m.n_shards = shards.count
        m.shards = arena.array(shardPointers)
        return m
    }

    init(_ c: Efficientrec__V1__StatusResponse, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
        modelVersion = try CRead.text(c.model_version, field: "model_version", limits: limits)
        requests = c.requests; errors = c.errors; degraded = c.degraded
        p50Micros = c.p50_micros; p90Micros = c.p90_micros; p99Micros = c.p99_micros
        ready = c.ready != 0
        retries = c.retries; hedges = c.hedges; failovers = c.failovers; heartbeatMisses = c.heartbeat_misses
        overloaded = c.overloaded; lowCoverage = c.low_coverage; lateReplies = c.late_replies
        completeReplies = c.complete_replies; inFlight = c.in_flight; admissionLimit = c.admission_limit
        authRefused = c.auth_refused; handshakeFailures = c.handshake_failures; clientDisconnects = c.client_disconnects
        blockedItems = c.blocked_items
        guard c.n_shards <= limits.maxClusters else { throw .tooLarge(field: "shards", count: c.n_shards, limit: limits.maxClusters) }
        for k in 0..<c.n_shards {
            guard let p = c.shards?[k]?.pointee else { continue }
            var s = ShardStatus()
            s.shard = p.shard
            s.endpoint = try CRead.text(p.endpoint, field: "shards.endpoint", limits: limits)
            s.modelVersion = try CRead.text(p.model_version, field: "shards.model_version", limits: limits)
            s.alive = p.alive != 0
            s.requests = p.requests; s.p50Micros = p.p50_micros; s.p99Micros = p.p99_micros
            s.replicas = p.replicas; s.replicasAlive = p.replicas_alive
            shards.append(s)
        }
    }
}

/// Items to withdraw from every answer now (or, with `unblock`, to take back): an admin action.
public struct BlockItemsRequest: Equatable, Sendable {
    public var requestID: String
    public var itemIDs: [String]
    public var unblock: Bool

    public init(requestID: String, itemIDs: [String], unblock: Bool = false) {
        self.requestID = requestID
        self.itemIDs = itemIDs
        self.unblock = unblock
    }

    func makeC(_ arena: CArena) -> Efficientrec__V1__BlockItemsRequest {
        var m = Efficientrec__V1__BlockItemsRequest()
        efficientrec__v1__block_items_request__init(&m)
        m.request_id = arena.string(requestID)
        m.n_item_ids = itemIDs.count; m.item_ids = arena.strings(itemIDs)
        m.unblock = unblock ? 1 : 0
        return m
    }

    init(_ c: Efficientrec__V1__BlockItemsRequest, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
        itemIDs = try CRead.texts(c.n_item_ids, c.item_ids, field: "item_ids", limit: limits.maxFilterItems, limits: limits)
        unblock = c.unblock != 0
    }
}
