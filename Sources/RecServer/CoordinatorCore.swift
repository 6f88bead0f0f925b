import HeapModule
import RecCluster
import RecData
import RecMath
import RecModel
import RecWire

/// The coordinator's request state machine without sockets or clocks: events (a client frame, a
/// worker frame, the time) go in; frames to send come out. Time is passed in, so deadlines,
/// heartbeats, failover and hedging are tested without sleeping.
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
    }

    /// The model new requests use; `previousModel` still answers requests that started on it (and
    /// a rollback); `stagedModel` waits for every shard to have a worker holding it.
    public var model: RecommenderModel { current.model }
    public var previousModel: RecommenderModel? { previous?.model }
    public var stagedModel: RecommenderModel? { staged?.model }
    /// The versions, held once each (requests in flight point at theirs).
    var current: SharedModel
    var previous: SharedModel?
    var staged: SharedModel?
    public internal(set) var shardMap: ShardMap
    public internal(set) var replicas: ReplicaSet
    public let configuration: Configuration
    public internal(set) var statistics: CoordinatorStatistics
    var pending: [UInt64: PendingRequest] = [:]
    var timers = Heap<RequestTimer>()
    var sequence: UInt64 = 0
    var nextHeartbeat: UInt64
    var hedgeBudget: HedgeBudget
    /// Per shard, the current hedge delay (recomputed from recent latencies every heartbeat).
    var hedgeDelay: [UInt64]
    /// Scratch for merging a finished request's partial votes (empty between requests).
    var mergeScratch: VoteAccumulator
    /// The adaptive admission limit (nil: only `configuration.maxInFlight`).
    public internal(set) var admission: ConcurrencyLimit?
    /// Set by `beginDrain`.
    public private(set) var draining = false
    /// Measurements and notices for the shell (metrics, logs); see `takeEvents`.
    var events = CoordinatorEvents()
    /// A scale-out waiting for its workers, and the shard count each worker says it loaded.
    var growth: Growth?
    var heldShardCount: [Int]
    /// The model versions each worker's heartbeat says it holds (empty until its first heartbeat).
    var workerVersions: [Set<String>]

    /// `replicas[s]` workers serve shard s (default: one each). `now` starts the heartbeat clock.
    public init(model: RecommenderModel, shardMap: ShardMap, replicas: [Int]? = nil,
                configuration: Configuration = Configuration(), now: UInt64 = 0) {
        current = SharedModel(model)
        self.shardMap = shardMap
        self.replicas = ReplicaSet(replicas: replicas ?? Array(repeating: 1, count: shardMap.shardCount), now: now)
        self.configuration = configuration
        statistics = CoordinatorStatistics(shardCount: shardMap.shardCount)
        nextHeartbeat = now
        hedgeBudget = HedgeBudget(ratio: configuration.hedging?.budgetRatio ?? 0)
        hedgeDelay = Array(repeating: configuration.hedging?.maxDelayMicros ?? 0, count: shardMap.shardCount)
        mergeScratch = VoteAccumulator(itemCount: model.items.count)
        heldShardCount = Array(repeating: 0, count: self.replicas.workerCount)
        workerVersions = Array(repeating: [], count: self.replicas.workerCount)
        admission = configuration.admissionSettings.map { ConcurrencyLimit(settings: $0, now: now) }
    }

    public var inFlight: Int { pending.count }

    /// Requests in flight beyond which new recommendations are refused as `overloaded`.
    public var admissionLimit: Int { min(configuration.maxInFlight, admission?.limit ?? .max) }

    /// Everything measured since the last call (the shell turns it into metrics and log lines).
    public mutating func takeEvents() -> CoordinatorEvents {
        defer { events = CoordinatorEvents() }
        return events
    }

    /// The socket layer reports its CURVE counters (shown by `status`).
    /// The client connections lost so far (from the transport's socket monitor).
    public mutating func noteDisconnects(_ total: Int) {
        statistics.clientDisconnects = UInt64(max(0, total))
    }

    public mutating func noteSecurity(refused: Int, handshakeFailures: Int) {
        statistics.authRefused = UInt64(max(0, refused))
        statistics.handshakeFailures = UInt64(max(0, handshakeFailures))
    }

    /// When `onTick` next has work: the earliest timer or heartbeat.
    public var nextWakeup: UInt64 {
        min(timers.min?.time ?? UInt64.max, nextHeartbeat)
    }

    // MARK: Events

    /// `admin` is true only for frames from the admin endpoint: actions that change the
    /// coordinator's state (rollback) are refused on the data socket.
    public mutating func onClient(routing: [UInt8], payload: [UInt8], now: UInt64, admin: Bool = false) -> [Action] {
        // Beyond the admission limit a recommendation is refused before it is decoded: under
        // overload most frames take this path, so it must cost next to nothing. Status and
        // rollback requests are still answered.
        if draining || pending.count >= admissionLimit,
           let peek = ClientMessage.peek(payload, limits: configuration.limits), peek.kind == .recommend {
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
            return [.toClient(routing: routing, payload: ServerMessage.status(status(requestID: s.requestID)).serializedBytes())]
        case let .recommend(r):
            return recommend(r, routing: routing, now: now)
        case let .rollback(r):
            guard admin else {
                statistics.refusedAdmin += 1
                return [reject(routing, requestID: r.requestID, code: .invalidArgument,
                               "rollback is an admin action: send it to the coordinator's admin endpoint (--admin-bind, loopback by default)")]
            }
            guard let previous = previousModel else {
                return [reject(routing, requestID: r.requestID, code: .invalidArgument, "no previous model version is loaded")]
            }
            stage(previous)
            return [.toClient(routing: routing, payload: ServerMessage.status(status(requestID: r.requestID)).serializedBytes())]
        }
    }

    public mutating func onWorker(_ worker: Int, payload: [UInt8], now: UInt64) -> [Action] {
        guard replicas.shardOfWorker.indices.contains(worker) else { return [] }
        let shard = replicas.shardOfWorker[worker]
        guard let message = try? WorkerMessage(serializedBytes: payload, limits: configuration.limits) else {
            statistics.malformedWorkerFrames += 1
            return []
        }
        if case let .heartbeat(h) = message, Int(h.shard) != shard {
            // A worker serving another shard must not get this shard's traffic.
            statistics.misconfiguredWorkers += 1
            if replicas.alive[worker] {
                events.append(.workerDown(worker: worker, shard: shard, reason: "it serves shard \(h.shard), not shard \(shard)"))
            }
            replicas.markDead(worker)
            return []
        }
        if !replicas.alive[worker] && !replicas.draining[worker] { events.append(.workerUp(worker: worker, shard: shard)) }
        replicas.heard(worker, now: now)
        switch message {
        case let .heartbeat(h):
            heldShardCount[worker] = Int(h.shardCount)
            workerVersions[worker] = Set(h.modelVersions + [h.modelVersion])
            completeGrowthIfReady()
            completeRolloutIfReady()
            if h.draining != replicas.draining[worker] {
                if h.draining { statistics.drainingWorkers += 1 }
                replicas.setDraining(worker, h.draining)
                events.append(h.draining ? .workerDown(worker: worker, shard: shard, reason: "draining") : .workerUp(worker: worker, shard: shard))
            }
            return []
        case let .reply(r):
            // Read and mutate the request where it lies in the table (copying it out and back in
            // had copied its dictionaries on write). A duplicate (hedged) answer finds no attempt.
            guard let id = UInt64(r.requestID), let index = pending.index(forKey: id),
                  let attempt = pending.values[index].attempts[shard], attempt.outstanding.contains(worker) else {
                statistics.lateReplies += 1
                return []
            }
            let version = pending.values[index].shared.version
            guard r.modelVersion == version else { // never merge votes of two model versions
                return abandon(worker: worker, request: id, shard: shard,
                               reason: "shard \(shard) answered with model \(r.modelVersion), not \(version)", now: now)
            }
            // The first answer wins: every other attempt at this shard is abandoned.
            for w in attempt.outstanding { replicas.finished(w) }
            if let sent = attempt.sentAt(worker) { replicas.replied(worker, micros: now >= sent ? now - sent : 0) }
            statistics.shards[shard].replies += 1
            statistics.shards[shard].latency.record(now >= attempt.lastSent ? now - attempt.lastSent : 0)
            events.append(shard: shard, micros: now >= attempt.lastSent ? now - attempt.lastSent : 0)
            let acceptance = pending.values[index].merge.accept(shard: shard, items: r.items, sums: r.sums, counts: r.counts)
            pending.values[index].attempts[shard] = nil
            if case let .invalid(reason) = acceptance {
                pending.values[index].failures[shard] = "shard \(shard) sent an invalid reply: \(reason)"
            }
            guard pending.values[index].isSettled else { return [] }
            return finish(id, now: now)
        case let .error(e):
            statistics.shards[shard].errors += 1
            guard let id = UInt64(e.requestID), pending[id]?.attempts[shard]?.outstanding.contains(worker) == true else { return [] }
            return abandon(worker: worker, request: id, shard: shard, reason: "shard \(shard): \(e.message)", now: now)
        }
    }

    /// Heartbeats, silent workers, failover and hedge checks, and deadlines that have come.
    public mutating func onTick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        if now >= nextHeartbeat {
            actions += heartbeat(now: now)
        }
        while let timer = timers.min, timer.time <= now {
            _ = timers.popMin()
            actions += fire(timer, now: now)
        }
        return actions
    }

    /// The worker could not be sent to (its queue is full or it is gone): treat as dead now.
    public mutating func onUndeliverable(_ worker: Int, now: UInt64) -> [Action] {
        guard replicas.alive.indices.contains(worker) else { return [] }
        statistics.undeliverable += 1
        if replicas.alive[worker] {
            events.append(.workerDown(worker: worker, shard: replicas.shardOfWorker[worker], reason: "its queue is full or it is gone"))
        }
        replicas.markDead(worker)
        return failOver(from: worker, now: now)
    }

    // MARK: Steps

    /// Refuses a client frame as `overloaded` without decoding it (the request ID is read cheaply):
    /// the shell's answer to a standing queue.
    public mutating func shed(routing: [UInt8], payload: [UInt8]) -> Action {
        statistics.shed += 1
        let id = ClientMessage.peekRequestID(payload, limits: configuration.limits) ?? ""
        return refuseOverloaded(routing, requestID: id, because: "requests queued for more than \(configuration.queueTargetMicros / 1_000) ms")
    }

    /// The cheap `overloaded` answer: no event or log line per refusal (under overload there are
    /// thousands a second; the counters show them).
    mutating func refuseOverloaded(_ routing: [UInt8], requestID: String, because reason: String? = nil) -> Action {
        statistics.overloaded += 1
        statistics.errors += 1
        if !draining { admission?.noteRefusal() }
        let why = reason ?? (draining ? "it is shutting down" : "its limit of \(admissionLimit) requests in flight is reached")
        let message = "the coordinator is overloaded (\(why)); retry later or elsewhere"
        return .toClient(routing: routing, payload: ServerMessage.error(ErrorReply(requestID: requestID, code: .overloaded, message: message)).serializedBytes())
    }

    /// Shutting down: requests in flight finish; new ones are refused as `overloaded`.
    public mutating func beginDrain() { draining = true }

    private mutating func recommend(_ r: RecommendRequest, routing: [UInt8], now: UInt64) -> [Action] {
        // Normally caught by the cheap check in `onClient`; here for frames it could not peek into.
        guard !draining, pending.count < admissionLimit else { return [refuseOverloaded(routing, requestID: r.requestID)] }
        guard r.k >= 1, Int(r.k) <= configuration.maxK else {
            return [reject(routing, requestID: r.requestID, code: .invalidArgument, "k must be between 1 and \(configuration.maxK), got \(r.k)")]
        }
        // The request's model: the current one, or the previous one when asked for by version.
        let shared: SharedModel
        if r.modelVersion.isEmpty || r.modelVersion == current.version {
            shared = current
        } else if let previous, r.modelVersion == previous.version {
            shared = previous
        } else {
            return [reject(routing, requestID: r.requestID, code: .modelVersionUnavailable,
                           "model \(r.modelVersion) is not loaded (serving \(model.version))")]
        }
        let requested = r.deadlineUnixMicros != 0 ? r.deadlineUnixMicros : now + configuration.defaultDeadlineMicros
        let latest = now.addingReportingOverflow(configuration.maxDeadlineMicros)
        let deadline = latest.overflow ? requested : min(requested, latest.partialValue)
        guard deadline > now else {
            return [reject(routing, requestID: r.requestID, code: .deadlineExceeded, "the deadline had passed when the request arrived")]
        }
        let (history, unknown) = shared.model.mapHistory(itemIDs: r.itemIDs, ratings: r.ratings, timestamps: r.timestamps.isEmpty ? nil : r.timestamps)
        let prepared = shared.model.prepare(history: history, attributes: attributes(of: r, model: shared.model))
        statistics.requests += 1
        admission?.admitted(inFlight: pending.count + 1)
        sequence += 1
        let id = sequence
        let plan = FanoutPlan(clusters: prepared.clusters, map: shardMap)
        pending[id] = PendingRequest(routing: routing, clientRequestID: r.requestID, shared: shared, prepared: prepared,
                                     merge: VoteMerge(plan: plan, itemCount: shared.model.items.count), k: Int(r.k), deadline: deadline,
                                     started: now, encodeMicros: WallClockElapsed.since(now), unknownItems: unknown)
        if plan.subRequests.isEmpty { return finish(id, now: now) }
        timers.insert(RequestTimer(time: deadline, request: id, shard: nil, serial: 0))
        let exclude = prepared.excluded.map(UInt32.init)
        var actions: [Action] = []
        for sub in plan.subRequests {
            var q = ShardQuery(requestID: String(id))
            q.deadlineUnixMicros = deadline
            q.modelVersion = shared.version
            q.clusterIDs = sub.clusters.map(UInt32.init)
            q.clusterWeights = sub.weights
            q.excludeItems = exclude
            pending[id]!.attempts[sub.shard] = ShardAttempts(query: CoordinatorMessage.query(q).serializedBytes())
            hedgeBudget.earn()
            actions += send(request: id, shard: sub.shard, now: now)
        }
        return actions
    }

    /// The model's attribute values from the request's parallel arrays (names matched without case).
    func attributes(of r: RecommendRequest, model: RecommenderModel) -> [Int] {
        let columns = model.attributes.columnNames
        guard !columns.isEmpty else { return [] }
        var raw = [String](repeating: "", count: columns.count)
        for (name, value) in zip(r.attributeNames, r.attributeValues) {
            if let c = columns.firstIndex(where: { $0 == name.lowercased() }) {
                raw[c] = UserAttributeTable.normalizedValue(column: columns[c], raw: value)
            }
        }
        return model.attributes.encode(raw)
    }

    mutating func finishIfSettled(_ id: UInt64, now: UInt64) -> [Action] {
        guard let p = pending[id], p.isSettled else { return [] }
        return finish(id, now: now)
    }

    mutating func reject(_ routing: [UInt8], requestID: String, code: ErrorReply.Code, _ message: String) -> Action {
        statistics.errors += 1
        events.append(.rejected(requestID: requestID, code: "\(code)", message: message))
        return .toClient(routing: routing, payload: ServerMessage.error(ErrorReply(requestID: requestID, code: code, message: message)).serializedBytes())
    }
}

enum WallClockElapsed {
    static func since(_ start: UInt64) -> UInt64 {
        let now = WallClock.nowMicros()
        return now >= start ? now - start : 0
    }
}
