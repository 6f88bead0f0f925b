import RecInference
import RecMath
import RecVote
import RecWire

/// The coordinator's request state machine without sockets, clocks or threads: events (a client
/// frame, a worker frame, the time) go in; frames to send come out. Time is passed in, so deadlines,
/// heartbeats, failover and hedging are tested without sleeping.
///
/// It is made of parts with one job each, read one at a time:
/// - `AdmissionControl`: whether a new request may start (hard cap, adaptive limit, draining);
/// - `RequestTable` and `CoordinatorCore+Fanout`: a request's lifecycle — plan, sub-requests to
///   replicas (every shard owns part of the items and gets the same sub-request), failover on
///   errors, missed replies and dead workers, hedging, the deadline; `CoordinatorCore+Answer`
///   merges the shards' top-k lists and answers;
/// - `ReplicaHealth` and `CoordinatorCore+Heartbeats`: which workers are alive and what they hold;
/// - `ModelVersions`/`CoordinatorCore+Rollout` and `Resharding`/`CoordinatorCore+Growth`: live
///   changes of model version and of shard count.
/// This file routes each event to them.
///
/// Reliability, in the ZeroMQ guide's terms: heartbeats both ways on the data sockets (any frame
/// counts as a sign of life), a worker silent for the heartbeat timeout is declared dead and its
/// outstanding sub-requests go to a sibling replica at once; a sub-request unanswered for the
/// attempt timeout is also sent to a sibling (first answer wins); optional hedging sends a budgeted
/// backup after the shard's recent p95. Every request is answered by its deadline.
public struct CoordinatorCore {
    public enum Action: Equatable, Sendable {
        /// Send to a worker (a replica of some shard; see `replicas`).
        case toWorker(Int, [UInt8])
        case toClient(routing: [UInt8], payload: [UInt8])
        /// The reply to one request of a batch (a multipart client message): the shell sends the
        /// batch's replies together, in order, once it has all of them.
        case toBatchMember(BatchSlot, payload: [UInt8])
    }

    public let configuration: Configuration
    public internal(set) var statistics: CoordinatorStatistics
    var admission: AdmissionControl
    var requests = RequestTable()
    var health: ReplicaHealth
    var versions: ModelVersions
    var resharding: Resharding
    var nextHeartbeat: WallInstant
    var hedgeBudget: HedgeBudget
    /// Per shard, the current hedge delay (recomputed from recent latencies every heartbeat).
    var hedgeDelay: [Duration]
    /// Measurements and notices for the shell (metrics, logs); see `takeEvents`.
    var events = CoordinatorEvents()
    /// Items withdrawn from every answer (admin `BlockItemsRequest`).
    var blocklist = Blocklist()
    /// Where admin actions are accepted (set by the shell once bound): a refusal on the data
    /// socket names it.
    public var adminEndpoint: String?
    /// The latest status of the other poll loops of this process (empty with one loop): `status`
    /// answers for all of them (`StatusMerge`). Set by the shell.
    public var siblingStatus: [StatusResponse] = []
    /// Reads the time for the timings a reply reports (encode, merge); the core never reads a
    /// clock itself. The shell passes the wall clock; tests may pass nothing (timings are then 0).
    let clock: @Sendable () -> WallInstant

    /// `replicas[s]` workers serve shard s (default: one each). `now` starts the heartbeat clock.
    public init(
        model: RecommenderModel, shardMap: ShardMap, replicas: [Int]? = nil,
        configuration: Configuration = Configuration(), now: WallInstant = 0,
        clock: @escaping @Sendable () -> WallInstant = { 0 }
    ) {
        versions = ModelVersions(model)
        resharding = Resharding(shardMap)
        health = ReplicaHealth(replicas: replicas ?? Array(repeating: 1, count: shardMap.shardCount), now: now)
        self.configuration = configuration
        statistics = CoordinatorStatistics(shardCount: shardMap.shardCount)
        nextHeartbeat = now
        hedgeBudget = HedgeBudget(ratio: configuration.hedging?.budgetRatio ?? 0)
        hedgeDelay = Array(repeating: configuration.hedging?.maxDelay ?? .zero, count: shardMap.shardCount)
        admission = AdmissionControl(configuration: configuration, now: now)
        self.clock = clock
    }

    /// The model new requests use; `previousModel` still answers requests that started on it (and
    /// a rollback); `stagedModel` waits for every shard to have a worker holding it.
    public var model: RecommenderModel { versions.current.model }
    public var previousModel: RecommenderModel? { versions.previous?.model }
    public var stagedModel: RecommenderModel? { versions.staged?.model }
    public var shardMap: ShardMap { resharding.shardMap }
    public var replicas: ReplicaSet { health.replicas }
    public var inFlight: Int { requests.count }
    /// Requests in flight beyond which new recommendations are refused as `overloaded`.
    public var admissionLimit: Int { admission.limit }
    public var draining: Bool { admission.draining }
    /// Timers held (tests and metrics).
    public var timerCount: Int { requests.timerCount }
    public static var timerSlack: Int { RequestTable.timerSlack }

    /// Everything measured since the last call (the shell turns it into metrics and log lines).
    public mutating func takeEvents() -> CoordinatorEvents {
        defer { events = CoordinatorEvents() }
        return events
    }

    /// The client connections lost so far (from the transport's socket monitor).
    public mutating func noteDisconnects(_ total: Int) {
        statistics.clientDisconnects = UInt64(max(0, total))
    }

    /// The socket layer reports its CURVE counters (shown by `status`).
    public mutating func noteSecurity(refused: Int, handshakeFailures: Int) {
        statistics.authRefused = UInt64(max(0, refused))
        statistics.handshakeFailures = UInt64(max(0, handshakeFailures))
    }

    /// When `onTick` next has work: the earliest timer or heartbeat.
    public var nextWakeup: WallInstant {
        min(requests.earliestTimer ?? WallInstant(microsecondsSinceEpoch: .max), nextHeartbeat)
    }

    // MARK: Events

    /// `admin` is true only for frames from the admin endpoint: actions that change the
    /// coordinator's state (rollback) are refused on the data socket.
    /// `batch` places the request in a batch (a multipart client message): its reply comes back as
    /// `.toBatchMember` instead of `.toClient`.
    public mutating func onClient(
        routing: [UInt8], payload: [UInt8], now: WallInstant, admin: Bool = false,
        batch: BatchSlot? = nil
    ) -> [Action] {
        let routing = ReplyAddress(routing: routing, batch: batch)
        // Beyond the admission limit a recommendation is refused before it is decoded: under
        // overload most frames take this path, so it must cost next to nothing. Status and
        // rollback requests are still answered.
        if !admission.admits(inFlight: requests.count),
            let peek = ClientMessage.peek(payload, limits: configuration.limits), peek.kind == .recommend
        {
            return [refuseOverloaded(routing, requestID: peek.requestID ?? "")]
        }
        let message: ClientMessage
        do { message = try ClientMessage(serializedBytes: payload, limits: configuration.limits) } catch {
            // The ID is read from the bytes without decoding (one pass), so a client with many
            // requests in flight can match the refusal.
            let id = ClientMessage.peekRequestID(payload, limits: configuration.limits) ?? ""
            return [reject(routing, requestID: id, code: error.replyCode, error.description)]
        }
        switch message {
        case let .status(s):
            return [reply(routing, ServerMessage.status(status(requestID: s.requestID)).serializedBytes())]
        case let .recommend(r):
            return recommend(r, routing: routing, now: now)
        case let .rollback(r):
            guard admin else {
                statistics.refusedAdmin += 1
                return [
                    reject(
                        routing, requestID: r.requestID, code: .invalidArgument,
                        "rollback is an admin action: send it to the coordinator's admin endpoint, " + adminEndpointDescription)
                ]
            }
            guard let previous = previousModel else {
                return [reject(routing, requestID: r.requestID, code: .invalidArgument, "no previous model version is loaded")]
            }
            stage(previous)
            return [reply(routing, ServerMessage.status(status(requestID: r.requestID)).serializedBytes())]
        case let .blockItems(b):
            guard admin else {
                statistics.refusedAdmin += 1
                return [
                    reject(
                        routing, requestID: b.requestID, code: .invalidArgument,
                        "blocking items is an admin action: send it to the coordinator's admin endpoint, " + adminEndpointDescription)
                ]
            }
            if b.unblock { blocklist.unblock(b.itemIDs) } else { blocklist.block(b.itemIDs) }
            events.append(.blocklistChanged(items: blocklist.count))
            return [reply(routing, ServerMessage.status(status(requestID: b.requestID)).serializedBytes())]
        }
    }

    public mutating func onWorker(_ worker: Int, payload: [UInt8], now: WallInstant) -> [Action] {
        guard worker >= 0, worker < health.workerCount else { return [] }
        let shard = health.shard(of: worker)
        guard let message = try? WorkerMessage(serializedBytes: payload, limits: configuration.limits) else {
            statistics.malformedWorkerFrames += 1
            return []
        }
        switch message {
        case let .heartbeat(h):
            heard(worker, heartbeat: h, now: now)
            return []
        case let .reply(r):
            heard(worker, now: now)
            return accept(r, from: worker, shard: shard, now: now)
        case let .error(e):
            heard(worker, now: now)
            statistics.shards[shard].errors += 1
            guard let id = UInt64(e.requestID), requests[id]?.attempts[shard]?.outstanding.contains(worker) == true else { return [] }
            return abandon(worker: worker, request: id, shard: shard, reason: "shard \(shard): \(e.message)", now: now)
        }
    }

    /// Heartbeats, silent workers, failover and hedge checks, and deadlines that have come.
    public mutating func onTick(now: WallInstant) -> [Action] {
        var actions: [Action] = []
        if now >= nextHeartbeat {
            actions += heartbeat(now: now)
        }
        while let timer = requests.popDue(now: now) {
            actions += fire(timer, now: now)
        }
        return actions
    }

    /// The worker could not be sent to (its queue is full or it is gone): treat as dead now.
    public mutating func onUndeliverable(_ worker: Int, now: WallInstant) -> [Action] {
        guard worker >= 0, worker < health.workerCount else { return [] }
        statistics.undeliverable += 1
        markDead(worker, reason: "its queue is full or it is gone")
        return failOver(from: worker, now: now)
    }

    /// Shutting down: requests in flight finish; new ones are refused as `overloaded`.
    public mutating func beginDrain() { admission.beginDrain() }

    /// The blocked item IDs, and a number that changes with them (the shell hands a changed list
    /// to the process's other poll loops).
    public var blockedItems: (ids: Set<String>, generation: Int) { (blocklist.ids, blocklist.generation) }

    /// Another poll loop changed the blocklist: adopt it.
    public mutating func replaceBlocklist(_ ids: Set<String>) {
        blocklist.replace(with: ids)
    }

    // MARK: Refusals

    var adminEndpointDescription: String {
        adminEndpoint.map { "\($0) (--admin-bind)" } ?? "which --admin-bind sets (loopback by default; the coordinator logs it at start-up)"
    }

    /// Refuses a client frame as `overloaded` without decoding it (the request ID is read cheaply):
    /// the shell's answer to a standing queue.
    public mutating func shed(routing: [UInt8], payload: [UInt8], batch: BatchSlot? = nil) -> Action {
        statistics.shed += 1
        let id = ClientMessage.peekRequestID(payload, limits: configuration.limits) ?? ""
        return refuseOverloaded(
            ReplyAddress(routing: routing, batch: batch), requestID: id,
            because: "requests queued for more than \(configuration.queueTarget.wholeMicroseconds / 1_000) ms")
    }

    /// Refuses a client batch of more than `limits.maxBatchRequests` requests without decoding any:
    /// every slot gets an `invalidArgument` error with its request ID (peeked from its bytes), and
    /// the batch is one event, not one per request.
    public mutating func refuseOversizedBatch(routing: [UInt8], payloads: [[UInt8]], batch: UInt64) -> [Action] {
        let limit = configuration.limits.maxBatchRequests
        let message = "a batch of \(payloads.count) requests is more than the \(limit) one message may carry; send it in parts"
        statistics.errors += UInt64(payloads.count)
        events.append(.rejected(requestID: "", code: "\(ErrorReply.Code.invalidArgument)", message: message))
        return payloads.enumerated().map { index, payload in
            let id = ClientMessage.peekRequestID(payload, limits: configuration.limits) ?? ""
            return reply(
                ReplyAddress(routing: routing, batch: BatchSlot(batch: batch, index: index)),
                ServerMessage.error(ErrorReply(requestID: id, code: .invalidArgument, message: message)).serializedBytes())
        }
    }

    /// The cheap `overloaded` answer: no event or log line per refusal (under overload there are
    /// thousands a second; the counters show them).
    mutating func refuseOverloaded(_ to: ReplyAddress, requestID: String, because reason: String? = nil) -> Action {
        statistics.overloaded += 1
        statistics.errors += 1
        admission.noteRefusal()
        let message = "the coordinator is overloaded (\(reason ?? admission.refusalReason)); retry later or elsewhere"
        return reply(to, ServerMessage.error(ErrorReply(requestID: requestID, code: .overloaded, message: message)).serializedBytes())
    }

    mutating func reject(_ to: ReplyAddress, requestID: String, code: ErrorReply.Code, _ message: String) -> Action {
        statistics.errors += 1
        events.append(.rejected(requestID: requestID, code: "\(code)", message: message))
        return reply(to, ServerMessage.error(ErrorReply(requestID: requestID, code: code, message: message)).serializedBytes())
    }

    /// A reply frame for a request's client, or for its place in a batch.
    func reply(_ to: ReplyAddress, _ payload: [UInt8]) -> Action {
        if let slot = to.batch { return .toBatchMember(slot, payload: payload) }
        return .toClient(routing: to.routing, payload: payload)
    }

    /// Microseconds from `start` to the injected clock's now (0 when the clock is behind).
    func elapsed(since start: WallInstant) -> UInt64 {
        clock().microseconds(since: start)
    }
}
