import RecServing
import RecWire

/// What a coordinator's poll loop sends, gathered from the core's actions: sub-requests queued per
/// worker and sent as one multipart message per worker (when `flushAt` are waiting, and at the end
/// of every turn), replies to single requests at once, and a client batch's replies as one message
/// in the order of its requests once the last is known (see "Batching" in docs/api.md).
/// A plain value: the loop does the sending.
struct CoordinatorOutbox {
    /// A message to send.
    enum Delivery: Equatable {
        /// Sub-requests for worker `index`, one frame each.
        case worker(index: Int, frames: [[UInt8]])
        /// A reply to a client: [routing, payload] or [routing, reply, reply, …] for a batch, on
        /// the socket the request came in on (`admin`: the admin socket).
        case client(frames: [[UInt8]], admin: Bool)
    }

    /// The most frames read from one socket before the queues are flushed (bounds the added latency).
    static let batchLimit = 64
    /// The most sub-requests in one message to a worker while a client batch is read (a worker's
    /// frame-size cap must hold).
    static let batchFanoutLimit = 1_000

    private var queued: [[[UInt8]]]
    private var batches: [UInt64: PendingBatch] = [:]
    private var batchSequence: UInt64 = 0
    /// Sub-requests for a worker leave once this many wait: `batchLimit`, or while a client batch
    /// is read its size (one fan-out per shard per batch), at most `batchFanoutLimit`.
    private(set) var flushAt = CoordinatorOutbox.batchLimit

    init(workers: Int) { queued = Array(repeating: [], count: workers) }

    var workerCount: Int { queued.count }
    /// Client batches still waiting for a reply.
    var openBatches: Int { batches.count }

    mutating func addWorker() { queued.append([]) }

    /// Before the requests of one client message are handled: a batch of several gets a number
    /// for its `BatchSlot`s (nil for a single request).
    mutating func beginClientMessage(routing: [UInt8], requests: Int) -> UInt64? {
        flushAt = min(max(Self.batchLimit, requests), Self.batchFanoutLimit)
        guard requests > 1 else { return nil }
        batchSequence += 1
        batches[batchSequence] = PendingBatch(routing: routing, replies: Array(repeating: nil, count: requests))
        return batchSequence
    }

    mutating func endClientMessage() { flushAt = Self.batchLimit }

    /// Queues the actions; returns the messages due now, in order.
    mutating func take(_ actions: [CoordinatorCore.Action], admin: Bool = false) -> [Delivery] {
        var due: [Delivery] = []
        for action in actions {
            switch action {
            case let .toWorker(worker, payload):
                guard queued.indices.contains(worker) else { continue }
                queued[worker].append(payload)
                if queued[worker].count >= flushAt { due.append(takeQueued(worker)) }
            case let .toClient(routing, payload):
                due.append(.client(frames: [routing, payload], admin: admin))
            case let .toBatchMember(slot, payload):
                guard var batch = batches[slot.batch], batch.replies.indices.contains(slot.index),
                    batch.replies[slot.index] == nil
                else { continue }
                batch.replies[slot.index] = payload
                batch.remaining -= 1
                guard batch.remaining == 0 else {
                    batches[slot.batch] = batch
                    continue
                }
                batches[slot.batch] = nil
                due.append(.client(frames: [batch.routing] + batch.replies.map { $0 ?? [] }, admin: false))
            }
        }
        return due
    }

    /// The first worker's queued sub-requests, if any wait (the end of a turn sends them all).
    mutating func nextQueued() -> Delivery? {
        guard let worker = queued.indices.first(where: { !queued[$0].isEmpty }) else { return nil }
        return takeQueued(worker)
    }

    private mutating func takeQueued(_ worker: Int) -> Delivery {
        defer { queued[worker].removeAll(keepingCapacity: true) }
        return .worker(index: worker, frames: queued[worker])
    }
}

/// A client batch's replies, gathered in the order of its requests.
struct PendingBatch {
    let routing: [UInt8]
    var replies: [[UInt8]?]
    var remaining: Int
    init(routing: [UInt8], replies: [[UInt8]?]) {
        self.routing = routing
        self.replies = replies
        remaining = replies.count
    }
}
