import RecInference
import RecVote
import RecWire

/// A client request in flight at the coordinator: what to answer with, and per shard the
/// sub-request's attempts.
struct PendingRequest {
    var replyTo: ReplyAddress
    var clientRequestID: String
    /// The model version the request started on: every sub-request and the answer use it.
    var shared: SharedModel
    var prepared: RecommenderModel.PreparedRequest
    var merge: ShardMerge
    var k: Int
    var deadline: WallInstant
    var started: WallInstant
    var encodeMicros: UInt64
    var unknownItems: Int
    /// The history's items when the client asked for explanations (nil otherwise).
    var explainHistory: [Int]? = nil
    /// Unanswered shards still being tried.
    var attempts: [Int: ShardAttempts] = [:]
    /// Shards given up on, with the reason (reported as degraded reasons).
    var failures: [Int: String] = [:]

    /// All asked shards answered or given up on.
    var isSettled: Bool { attempts.isEmpty }
}

/// One shard's sub-request of one client request: the encoded query (the same bytes for every
/// shard) and who was asked when.
struct ShardAttempts {
    var query: [UInt8]
    /// Every worker asked so far, in order, with the time it was asked.
    var asked: [(worker: Int, at: WallInstant)] = []
    /// Workers asked that have neither answered nor failed.
    var outstanding: [Int] = []
    /// Bumped on every send, so a timer set for an earlier attempt is recognised as stale.
    var serial = 0
    var hedged = false

    var lastSent: WallInstant { asked.last?.at ?? 0 }
    var triedWorkers: Set<Int> { Set(asked.map(\.worker)) }
    func sentAt(_ worker: Int) -> WallInstant? { asked.last { $0.worker == worker }?.at }
}

/// A moment at which the coordinator must look at a request again: its deadline (shard nil) or
/// the next failover/hedge check of one shard's sub-request.
struct RequestTimer: Comparable {
    var time: WallInstant
    var request: UInt64
    var shard: Int?
    var serial: Int

    static func < (a: RequestTimer, b: RequestTimer) -> Bool {
        (a.time, a.request, a.shard ?? -1, a.serial) < (b.time, b.request, b.shard ?? -1, b.serial)
    }
}

/// Where a request's reply goes: its client's routing frame, and its place when it came in a batch.
struct ReplyAddress {
    var routing: [UInt8]
    var batch: BatchSlot?
}

/// A request's place in a batch (a multipart client message): the shell's batch number and the
/// request's index among the batch's frames.
public struct BatchSlot: Equatable, Hashable, Sendable {
    public var batch: UInt64
    public var index: Int
    public init(batch: UInt64, index: Int) {
        self.batch = batch
        self.index = index
    }
}
