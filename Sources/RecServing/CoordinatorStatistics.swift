/// Counters and a bounded window of recent latencies for `status`.
public struct CoordinatorStatistics: Sendable {
    public var requests: UInt64 = 0
    public var errors: UInt64 = 0
    public var degraded: UInt64 = 0
    public var lateReplies: UInt64 = 0
    public var malformedWorkerFrames: UInt64 = 0
    /// Sub-requests re-sent to a sibling replica (after an error reply, a missed reply or a dead worker).
    public var retries: UInt64 = 0
    /// Speculative backup sub-requests sent, and those the budget refused.
    public var hedges: UInt64 = 0
    public var hedgesDenied: UInt64 = 0
    /// Sub-requests moved off a worker declared dead; workers declared dead by heartbeat silence;
    /// sends that could not be queued; heartbeats naming another shard or model.
    public var failovers: UInt64 = 0
    public var heartbeatMisses: UInt64 = 0
    public var undeliverable: UInt64 = 0
    public var misconfiguredWorkers: UInt64 = 0
    /// Workers that announced they are shutting down (taken out of rotation).
    public var drainingWorkers: UInt64 = 0
    /// Requests refused because too many were in flight; answers refused for low coverage.
    public var overloaded: UInt64 = 0
    /// Of those, refused undecoded because the client queue stood too long.
    public var shed: UInt64 = 0
    public var lowCoverage: UInt64 = 0
    /// Replies by coverage: complete (1) and partial (< 1), and the sum of coverage over all.
    public var completeReplies: UInt64 = 0
    public var coverageSum = 0.0
    /// Copied from the socket layer's security guard (CURVE), when there is one.
    public var authRefused: UInt64 = 0
    /// Client connections lost (left, or dropped by the transport for an over-size frame).
    public var clientDisconnects: UInt64 = 0
    /// Admin actions (rollback) refused because they came on the data socket, not the admin endpoint.
    public var refusedAdmin: UInt64 = 0
    public var handshakeFailures: UInt64 = 0
    /// Per shard: sub-requests sent, replies and errors received, and their latency window.
    public var shards: [ShardCounters] = []
    public struct ShardCounters: Sendable {
        public var sent: UInt64 = 0
        public var replies: UInt64 = 0
        public var errors: UInt64 = 0
        public var latency = LatencyWindow()
    }

    public init(shardCount: Int = 0) {
        shards = Array(repeating: ShardCounters(), count: shardCount)
    }

    public var latency = LatencyWindow()

    public mutating func record(latencyMicros: UInt64) { latency.record(latencyMicros) }

    public mutating func recordCoverage(_ coverage: Double) {
        if coverage >= 1 { completeReplies += 1 }
        coverageSum += coverage
    }

    public func percentiles(_ qs: [Double]) -> [UInt32] { latency.percentiles(qs) }
}

/// The most recent latencies (a ring of 8,192), for percentiles in `status`.
public struct LatencyWindow: Sendable {
    private var recent: [UInt32] = []
    private var cursor = 0
    static let size = 8_192

    public init() {}

    public mutating func record(_ micros: UInt64) {
        let v = UInt32(min(micros, UInt64(UInt32.max)))
        if recent.count < Self.size { recent.append(v) } else { recent[cursor] = v; cursor = (cursor + 1) % Self.size }
    }

    public var count: Int { recent.count }

    /// Nearest-rank percentiles (q in 0…1) of the window; zeros when empty.
    public func percentiles(_ qs: [Double]) -> [UInt32] {
        guard !recent.isEmpty else { return qs.map { _ in 0 } }
        let sorted = recent.sorted()
        return qs.map { q in sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))] }
    }
}
