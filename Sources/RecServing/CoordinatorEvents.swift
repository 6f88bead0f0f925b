/// What the coordinator's state machine saw that the shell should measure or log: completed
/// requests' latency and coverage, per-shard reply latency, and notable events with their request
/// IDs. Bounded: when the shell does not drain it, the oldest entries are dropped and counted.
public struct CoordinatorEvents: Sendable {
    public struct Completed: Sendable, Equatable {
        public var micros: UInt64
        public var coverage: Double
    }

    public enum Notice: Sendable, Equatable {
        /// A reply with coverage < 1, and why.
        case degraded(requestID: String, coverage: Double, reasons: [String])
        /// A request refused with an error code.
        case rejected(requestID: String, code: String, message: String)
        /// A worker declared dead (silence, undeliverable) or draining, or back in rotation.
        case workerDown(worker: Int, shard: Int, reason: String)
        case workerUp(worker: Int, shard: Int)
        /// A resharding started, and completed (new requests use the target shard count).
        case growing(from: Int, to: Int)
        case resharded(from: Int, to: Int)
        /// A model version staged, and the switch of new requests to it.
        case staging(version: String)
        /// A model version that cannot be staged, and why.
        case stagingRefused(version: String, reason: String)
        case modelSwitched(from: String, to: String)
        /// The blocklist changed (an admin action); it now holds this many item IDs.
        case blocklistChanged(items: Int)
    }

    public static let capacity = 16_384
    public private(set) var completed: [Completed] = []
    public private(set) var shardReplies: [(shard: Int, micros: UInt64)] = []
    public private(set) var notices: [Notice] = []
    /// Entries dropped because nobody drained the buffer.
    public private(set) var dropped = 0

    public init() {}

    mutating func append(_ c: Completed) {
        if completed.count >= Self.capacity { completed.removeFirst(completed.count / 2); dropped += Self.capacity / 2 }
        completed.append(c)
    }

    mutating func append(shard: Int, micros: UInt64) {
        if shardReplies.count >= Self.capacity { shardReplies.removeFirst(shardReplies.count / 2); dropped += Self.capacity / 2 }
        shardReplies.append((shard, micros))
    }

    mutating func append(_ n: Notice) {
        if notices.count >= Self.capacity { notices.removeFirst(notices.count / 2); dropped += Self.capacity / 2 }
        notices.append(n)
    }

    var isEmpty: Bool { completed.isEmpty && shardReplies.isEmpty && notices.isEmpty }
}
