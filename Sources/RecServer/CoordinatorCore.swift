import RecCluster
import RecData
import RecMath
import RecModel
import RecWire

/// The coordinator's request state machine without sockets or clocks: events (a client frame, a
/// worker frame, the time) go in; frames to send come out. Time is passed in, so deadlines are
/// tested without sleeping.
public struct CoordinatorCore {
    public struct Configuration: Sendable {
        /// Deadline for requests that do not carry one.
        public var defaultDeadlineMicros: UInt64 = 500_000
        public var maxK = 1_000
        public var limits = WireLimits.standard
        public init() {}
    }

    public enum Action: Equatable, Sendable {
        /// Send to a worker (a replica of some shard; see `replicas`).
        case toWorker(Int, [UInt8])
        case toClient(routing: [UInt8], payload: [UInt8])
    }

    struct Pending {
        var routing: [UInt8]
        var clientRequestID: String
        var prepared: RecommenderModel.PreparedRequest
        var merge: VoteMerge
        var k: Int
        var deadline: UInt64
        var started: UInt64
        var encodeMicros: UInt64
        var unknownItems: Int
        var failures: [Int: String] = [:]
        /// shard → the worker asked now, the query bytes, and the workers already tried.
        var assigned: [Int: Int] = [:]
        var queries: [Int: [UInt8]] = [:]
        var tried: [Int: Set<Int>] = [:]
    }

    public let model: RecommenderModel
    public let shardMap: ShardMap
    public private(set) var replicas: ReplicaSet
    public let configuration: Configuration
    public private(set) var statistics: CoordinatorStatistics
    private var pending: [UInt64: Pending] = [:]
    /// Scratch for merging a finished request's partial votes (empty between requests).
    private var mergeScratch: VoteAccumulator
    private var sequence: UInt64 = 0

    /// `replicas[s]` workers serve shard s (default: one each).
    public init(model: RecommenderModel, shardMap: ShardMap, replicas: [Int]? = nil, configuration: Configuration = Configuration()) {
        self.model = model
        self.shardMap = shardMap
        self.replicas = ReplicaSet(replicas: replicas ?? Array(repeating: 1, count: shardMap.shardCount))
        self.configuration = configuration
        statistics = CoordinatorStatistics(shardCount: shardMap.shardCount)
        mergeScratch = VoteAccumulator(itemCount: model.items.count)
    }

    public var inFlight: Int { pending.count }

    /// The earliest deadline of a request in flight.
    public var nextDeadline: UInt64? {
        var earliest: UInt64?
        for p in pending.values where earliest == nil || p.deadline < earliest! { earliest = p.deadline }
        return earliest
    }

    // MARK: Events

    public mutating func onClient(routing: [UInt8], payload: [UInt8], now: UInt64) -> [Action] {
        let message: ClientMessage
        do { message = try ClientMessage(serializedBytes: payload, limits: configuration.limits) } catch {
            return [reject(routing, requestID: "", code: error.replyCode, error.description)]
        }
        switch message {
        case let .status(s):
            return [.toClient(routing: routing, payload: ServerMessage.status(status(requestID: s.requestID)).serializedBytes())]
        case let .recommend(r):
            return recommend(r, routing: routing, now: now)
        }
    }

    public mutating func onWorker(_ worker: Int, payload: [UInt8], now: UInt64) -> [Action] {
        guard replicas.shardOfWorker.indices.contains(worker) else { return [] }
        let shard = replicas.shardOfWorker[worker]
        guard let message = try? WorkerMessage(serializedBytes: payload, limits: configuration.limits) else {
            statistics.malformedWorkerFrames += 1
            return []
        }
        switch message {
        case .heartbeat:
            return []
        case let .reply(r):
            // Take the state out of the dictionary while mutating it: a copy left behind would make
            // every reply copy the request's vote arrays (copy-on-write).
            guard let id = UInt64(r.requestID), pending[id]?.assigned[shard] == worker, var p = pending.removeValue(forKey: id) else {
                statistics.lateReplies += 1
                return []
            }
            replicas.finished(worker)
            p.assigned[shard] = nil
            if statistics.shards.indices.contains(shard) {
                statistics.shards[shard].replies += 1
                statistics.shards[shard].latency.record(now >= p.started ? now - p.started : 0)
            }
            let acceptance = p.merge.accept(shard: shard, items: r.items, sums: r.sums, counts: r.counts)
            if case let .invalid(reason) = acceptance { p.failures[shard] = "shard \(shard) sent an invalid reply: \(reason)" }
            pending[id] = p
            return finishIfSettled(id, now: now)
        case let .error(e):
            if statistics.shards.indices.contains(shard) { statistics.shards[shard].errors += 1 }
            guard let id = UInt64(e.requestID), pending[id]?.assigned[shard] == worker, var p = pending.removeValue(forKey: id) else {
                return []
            }
            replicas.finished(worker)
            p.assigned[shard] = nil
            // Fail over to a sibling replica that has not been tried, while the deadline allows.
            if now < p.deadline, let query = p.queries[shard],
               let sibling = replicas.choose(shard: shard, excluding: p.tried[shard, default: []]) {
                p.assigned[shard] = sibling
                p.tried[shard, default: []].insert(sibling)
                statistics.retries += 1
                statistics.shards[shard].sent += 1
                pending[id] = p
                return [.toWorker(sibling, query)]
            }
            p.failures[shard] = "shard \(shard): \(e.message)"
            pending[id] = p
            return finishIfSettled(id, now: now)
        }
    }

    /// Answers every request whose deadline has passed with what it has (coverage < 1).
    public mutating func onTick(now: UInt64) -> [Action] {
        // Called on every turn of the poll loop: nothing to allocate unless something expired.
        guard let next = nextDeadline, next <= now else { return [] }
        let expired = pending.filter { $0.value.deadline <= now }.keys.sorted()
        return expired.flatMap { finish($0, now: now) }
    }

    // MARK: Steps

    private mutating func recommend(_ r: RecommendRequest, routing: [UInt8], now: UInt64) -> [Action] {
        guard r.k >= 1, Int(r.k) <= configuration.maxK else {
            return [reject(routing, requestID: r.requestID, code: .invalidArgument, "k must be between 1 and \(configuration.maxK), got \(r.k)")]
        }
        guard r.modelVersion.isEmpty || r.modelVersion == model.version else {
            return [reject(routing, requestID: r.requestID, code: .modelVersionUnavailable,
                           "model \(r.modelVersion) is not loaded (serving \(model.version))")]
        }
        let deadline = r.deadlineUnixMicros != 0 ? r.deadlineUnixMicros : now + configuration.defaultDeadlineMicros
        guard deadline > now else {
            return [reject(routing, requestID: r.requestID, code: .deadlineExceeded, "the deadline had passed when the request arrived")]
        }
        let (history, unknown) = model.mapHistory(itemIDs: r.itemIDs, ratings: r.ratings, timestamps: r.timestamps.isEmpty ? nil : r.timestamps)
        let prepared = model.prepare(history: history, attributes: attributes(of: r))
        statistics.requests += 1
        sequence += 1
        let id = sequence
        let plan = FanoutPlan(clusters: prepared.clusters, map: shardMap)
        let p = Pending(routing: routing, clientRequestID: r.requestID, prepared: prepared,
                        merge: VoteMerge(plan: plan, itemCount: model.items.count), k: Int(r.k), deadline: deadline,
                        started: now, encodeMicros: WallClockElapsed.since(now), unknownItems: unknown)
        pending[id] = p
        if plan.subRequests.isEmpty { return finish(id, now: now) }
        let exclude = prepared.excluded.map(UInt32.init)
        var actions: [Action] = []
        for sub in plan.subRequests {
            var q = ShardQuery(requestID: String(id))
            q.deadlineUnixMicros = deadline
            q.modelVersion = model.version
            q.clusterIDs = sub.clusters.map(UInt32.init)
            q.clusterWeights = sub.weights
            q.excludeItems = exclude
            let bytes = CoordinatorMessage.query(q).serializedBytes()
            guard let worker = replicas.choose(shard: sub.shard) else { continue }
            statistics.shards[sub.shard].sent += 1
            pending[id]!.assigned[sub.shard] = worker
            pending[id]!.tried[sub.shard] = [worker]
            pending[id]!.queries[sub.shard] = bytes
            actions.append(.toWorker(worker, bytes))
        }
        return actions
    }

    /// The model's attribute values from the request's parallel arrays (names matched without case).
    func attributes(of r: RecommendRequest) -> [Int] {
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

    private mutating func finishIfSettled(_ id: UInt64, now: UInt64) -> [Action] {
        guard let p = pending[id] else { return [] }
        let unsettled = p.merge.pendingShards.filter { p.failures[$0] == nil }
        return unsettled.isEmpty ? finish(id, now: now) : []
    }

    private mutating func finish(_ id: UInt64, now: UInt64) -> [Action] {
        guard var p = pending.removeValue(forKey: id) else { return [] }
        for worker in p.assigned.values { replicas.finished(worker) } // unanswered at the deadline
        let mergeStarted = WallClock.nowMicros()
        let result = p.merge.finish(k: p.k, excluding: p.prepared.excluded, reduction: model.configuration.voteReduction, using: &mergeScratch)
        let rec = model.complete(p.prepared, voted: result.items, k: p.k)
        var response = RecommendResponse(requestID: p.clientRequestID)
        response.itemIDs = rec.items.map { model.items[$0.index] }
        response.scores = rec.items.map(\.score)
        response.clusterIDs = rec.clusters.map { UInt32($0.index) }
        response.clusterWeights = rec.clusters.map(\.score)
        response.modelVersion = model.version
        response.coverage = result.coverage
        response.degradedReasons = result.missingShards.map { p.failures[$0] ?? "shard \($0) did not answer by the deadline" }
        response.unknownItems = UInt32(p.unknownItems)
        response.truncatedInteractions = UInt32(rec.truncatedInteractions)
        response.filledFromPopularity = UInt32(rec.filledFromPopularity)
        response.timings.encodeMicros = UInt32(min(p.encodeMicros, UInt64(UInt32.max)))
        response.timings.mergeMicros = UInt32(min(WallClockElapsed.since(mergeStarted), UInt64(UInt32.max)))
        let total = now >= p.started ? now - p.started : 0
        response.timings.totalMicros = UInt32(min(total, UInt64(UInt32.max)))
        // Fan-out: from the sub-requests leaving to the last reply (or the deadline).
        let t = response.timings
        response.timings.fanoutMicros = t.totalMicros &- min(t.totalMicros, t.encodeMicros &+ t.mergeMicros)
        p.failures.removeAll()
        if result.coverage < 1 { statistics.degraded += 1 }
        statistics.record(latencyMicros: total)
        return [.toClient(routing: p.routing, payload: ServerMessage.recommend(response).serializedBytes())]
    }

    private mutating func reject(_ routing: [UInt8], requestID: String, code: ErrorReply.Code, _ message: String) -> Action {
        statistics.errors += 1
        return .toClient(routing: routing, payload: ServerMessage.error(ErrorReply(requestID: requestID, code: code, message: message)).serializedBytes())
    }

    func status(requestID: String) -> StatusResponse {
        var s = StatusResponse(requestID: requestID)
        s.modelVersion = model.version
        s.requests = statistics.requests
        s.errors = statistics.errors
        s.degraded = statistics.degraded
        let p = statistics.percentiles([0.5, 0.9, 0.99])
        s.p50Micros = p[0]; s.p90Micros = p[1]; s.p99Micros = p[2]
        s.ready = true
        s.shards = (0..<shardMap.shardCount).map { shard in
            var st = ShardStatus()
            st.shard = UInt32(shard)
            st.modelVersion = model.version
            st.clusters = shardMap.clusters(ownedBy: shard, clusterCount: model.configuration.clusters).map(UInt32.init)
            let counters = statistics.shards[shard]
            st.requests = counters.sent
            let p = counters.latency.percentiles([0.5, 0.99])
            st.p50Micros = p[0]; st.p99Micros = p[1]
            // Alive as far as the coordinator can tell: it answered (or was never asked).
            st.alive = counters.sent == 0 || counters.replies + counters.errors > 0
            return st
        }
        return s
    }
}

enum WallClockElapsed {
    static func since(_ start: UInt64) -> UInt64 {
        let now = WallClock.nowMicros()
        return now >= start ? now - start : 0
    }
}
