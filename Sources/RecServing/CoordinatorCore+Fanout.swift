import RecData
import RecInference
import RecVote
import RecWire

/// A request's lifecycle up to its answer: admission, encoding, the fan-out plan, one sub-request
/// per shard sent to the best replica, then failover (error replies, missed replies, dead workers),
/// hedging under a budget, and the deadline. Merging and answering are in `CoordinatorCore+Answer`.
extension CoordinatorCore {
    mutating func recommend(_ r: RecommendRequest, routing: ReplyAddress, now: WallInstant) -> [Action] {
        // Normally caught by the cheap check in `onClient`; here for frames it could not peek into.
        guard admission.admits(inFlight: requests.count) else { return [refuseOverloaded(routing, requestID: r.requestID)] }
        guard r.k >= 1, Int(r.k) <= configuration.maxK else {
            return [reject(routing, requestID: r.requestID, code: .invalidArgument, "k must be between 1 and \(configuration.maxK), got \(r.k)")]
        }
        // The request's model: the current one, or the previous one when asked for by version.
        guard let shared = versions.resolve(r.modelVersion) else {
            return [
                reject(
                    routing, requestID: r.requestID, code: .modelVersionUnavailable,
                    "model \(r.modelVersion) is not loaded (serving \(model.version))")
            ]
        }
        let requested = r.deadlineUnixMicros != 0 ? WallInstant(microsecondsSinceEpoch: r.deadlineUnixMicros) : now + configuration.defaultDeadline
        let deadline = min(requested, now + configuration.maxDeadline)
        guard deadline > now else {
            return [reject(routing, requestID: r.requestID, code: .deadlineExceeded, "the deadline had passed when the request arrived")]
        }
        // Bound once: each access through the shared reference would copy the model's fields.
        let model = shared.model
        let (history, unknown) = model.mapHistory(itemIDs: r.itemIDs, ratings: r.ratings, timestamps: r.timestamps.isEmpty ? nil : r.timestamps)
        var prepared = model.prepare(history: history, attributes: attributes(of: r, model: model))
        if let problem = applyFilters(of: r, model: model, to: &prepared) {
            return [reject(routing, requestID: r.requestID, code: .invalidArgument, problem)]
        }
        statistics.requests += 1
        admission.admitted(inFlight: requests.count + 1)
        // Every shard owns part of every shortlist: all are asked (none when there is no cluster to
        // vote, e.g. an empty history: the answer is then the popularity fill alone).
        let shardCount = prepared.clusters.isEmpty ? 0 : shardMap.shardCount
        let id = requests.add(
            PendingRequest(
                replyTo: routing, clientRequestID: r.requestID, shared: shared, prepared: prepared,
                merge: ShardMerge(shardCount: shardCount, itemCount: model.items.count, k: Int(r.k)),
                k: Int(r.k), deadline: deadline, started: now, encodeMicros: elapsed(since: now),
                unknownItems: unknown, explainHistory: r.explain ? history.items : nil))
        if shardCount == 0 { return finish(id, now: now) }
        let query = CoordinatorMessage.query(
            Self.shardQuery(
                id: id, prepared: prepared, model: model, version: shared.version, k: r.k,
                deadline: deadline, shardCount: shardCount)
        ).serializedBytes()
        var actions: [Action] = []
        actions.reserveCapacity(shardCount)
        for shard in 0..<shardCount {
            requests[id]!.attempts[shard] = ShardAttempts(query: query)
            hedgeBudget.earn()
            actions += send(request: id, shard: shard, now: now)
        }
        return actions
    }

    /// The request's filters and the blocklist, resolved against the request's model version: the
    /// shards then simply never vote for the items they remove (they join the history's
    /// exclusions). Returns why the filters are invalid, or nil.
    mutating func applyFilters(of r: RecommendRequest, model: RecommenderModel, to prepared: inout RecommenderModel.PreparedRequest) -> String? {
        guard r.hasFilter || !blocklist.isEmpty else { return nil }
        var filter: ItemFilter?
        do throws(ItemFilterError) {
            filter = try ItemFilter.resolve(
                excludeIDs: r.excludeItemIDs, allowIDs: r.allowItemIDs, conditions: r.itemConditions, model: model)
        } catch {
            return error.description
        }
        if let filter = blocklist.merged(into: filter, model: model) { model.apply(filter, to: &prepared) }
        return nil
    }

    /// The sub-request every shard gets: the top clusters and weights, the exclusions, the ranking
    /// rows and the blend's bounds (from the whole model), k and the shard count planned under.
    /// Also what `bench-core` times.
    public static func shardQuery(
        id: UInt64, prepared: RecommenderModel.PreparedRequest, model: RecommenderModel, version: String, k: UInt32,
        deadline: WallInstant, shardCount: Int
    ) -> ShardQuery {
        var q = ShardQuery(requestID: String(id))
        q.deadlineUnixMicros = deadline.microsecondsSinceEpoch
        q.modelVersion = version
        q.clusterIDs = prepared.clusters.map { UInt32($0.index) }
        q.clusterWeights = prepared.clusters.map(\.score)
        q.excludeItems = prepared.excluded.map(UInt32.init)
        q.rankingItems = prepared.rankingItems.map(UInt32.init)
        if model.ranksTwoStage && model.configuration.blendScale == .bound {
            (q.voteBound, q.itemItemBound) = model.blendBounds(prepared)
        }
        q.k = k
        q.shardCount = UInt32(shardCount)
        return q
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

    /// A shard's top-k list. The first answer wins: every other attempt at this shard is abandoned,
    /// and a duplicate (hedged) answer finds no attempt. Answers of another model version or another
    /// shard count are never merged.
    mutating func accept(_ r: ShardReply, from worker: Int, shard: Int, now: WallInstant) -> [Action] {
        // Read in place: copying the pending request out of the table retains all its fields.
        guard let id = UInt64(r.requestID),
            let (attempt, version, planned) = requests.withRequest(id, { ($0.attempts[shard], $0.shared.version, $0.merge.shardCount) }),
            let attempt, attempt.outstanding.contains(worker)
        else {
            statistics.lateReplies += 1
            return []
        }
        guard r.modelVersion == version else {
            return abandon(
                worker: worker, request: id, shard: shard,
                reason: "shard \(shard) answered with model \(r.modelVersion), not \(version)", now: now)
        }
        guard Int(r.shardCount) == planned else {
            return abandon(
                worker: worker, request: id, shard: shard,
                reason: "shard \(shard) answered for \(r.shardCount) shards, not \(planned)", now: now)
        }
        for w in attempt.outstanding { health.replicas.finished(w) }
        if let sent = attempt.sentAt(worker) { health.replicas.replied(worker, micros: now.microseconds(since: sent)) }
        let waited = now.microseconds(since: attempt.lastSent)
        statistics.shards[shard].replies += 1
        statistics.shards[shard].latency.record(waited)
        events.append(shard: shard, micros: waited)
        let settled = requests.withRequest(id) { p -> Bool in
            let acceptance = p.merge.accept(shard: shard, items: r.items, scores: r.scores)
            p.attempts[shard] = nil
            if case let .invalid(reason) = acceptance { p.failures[shard] = "shard \(shard) sent an invalid reply: \(reason)" }
            return p.isSettled
        }
        return settled == true ? finish(id, now: now) : []
    }

    /// Sends the shard's query to the best replica not asked yet that holds the request's model
    /// version; records the shard as failed when none is left or the deadline has come.
    mutating func send(request id: UInt64, shard: Int, now: WallInstant) -> [Action] {
        // The attempt is moved out of the table and back (not copied), so appending to it does
        // not copy its arrays.
        guard var attempt = requests[id]?.attempts.removeValue(forKey: shard),
            let (deadline, version) = requests.withRequest(id, { ($0.deadline, $0.shared.version) })
        else { return [] }
        guard now < deadline,
            let worker = health.choose(
                shard: shard, version: version, current: versions.current.version,
                excluding: attempt.triedWorkers)
        else {
            if attempt.outstanding.isEmpty {
                requests.withRequest(id) { p in
                    if p.failures[shard] == nil { p.failures[shard] = "shard \(shard): no replica left to ask" }
                }
            } else {
                requests[id]!.attempts[shard] = attempt
            }
            return []
        }
        attempt.asked.append((worker, now))
        attempt.outstanding.append(worker)
        attempt.serial += 1
        statistics.shards[shard].sent += 1
        requests.schedule(RequestTimer(time: now + checkDelay(shard: shard, attempt: attempt), request: id, shard: shard, serial: attempt.serial))
        let query = attempt.query
        requests[id]!.attempts[shard] = attempt
        return [.toWorker(worker, query)]
    }

    /// How long after the latest send to look at this shard's sub-request again.
    func checkDelay(shard: Int, attempt: ShardAttempts) -> Duration {
        if configuration.hedging != nil && !attempt.hedged { return min(hedgeDelay[shard], configuration.attemptTimeout) }
        return configuration.attemptTimeout
    }

    /// A timer came due: a deadline answers the request; an attempt check hedges or fails over.
    mutating func fire(_ timer: RequestTimer, now: WallInstant) -> [Action] {
        guard let (deadline, pending) = requests.withRequest(timer.request, { p in (p.deadline, timer.shard.flatMap { p.attempts[$0] }) })
        else { return [] }
        guard let shard = timer.shard else { return now >= deadline ? finish(timer.request, now: now) : [] }
        guard var attempt = pending, attempt.serial == timer.serial else { return [] }
        let waited = now - attempt.lastSent
        if waited >= configuration.attemptTimeout {
            statistics.retries += 1
            return send(request: timer.request, shard: shard, now: now)
        }
        if configuration.hedging != nil && !attempt.hedged {
            attempt.hedged = true
            requests[timer.request]!.attempts[shard] = attempt
            if hedgeBudget.spend() {
                statistics.hedges += 1
                return send(request: timer.request, shard: shard, now: now)
            }
            statistics.hedgesDenied += 1
        }
        // Not yet (or no budget): look again when the attempt times out.
        requests.schedule(
            RequestTimer(
                time: attempt.lastSent + configuration.attemptTimeout, request: timer.request,
                shard: shard, serial: attempt.serial))
        return []
    }

    /// `worker` will not answer this request's shard: ask a sibling if nobody else is on it.
    mutating func abandon(worker: Int, request id: UInt64, shard: Int, reason: String, now: WallInstant) -> [Action] {
        guard var attempt = requests[id]?.attempts[shard], let k = attempt.outstanding.firstIndex(of: worker) else { return [] }
        attempt.outstanding.remove(at: k)
        health.replicas.finished(worker)
        requests[id]!.attempts[shard] = attempt
        requests[id]!.failures[shard] = reason
        guard attempt.outstanding.isEmpty else { return [] }
        statistics.retries += 1
        let actions = send(request: id, shard: shard, now: now)
        if requests[id]?.attempts[shard]?.outstanding.isEmpty == false { requests[id]?.failures[shard] = nil }
        return actions + finishIfSettled(id, now: now)
    }

    /// Moves everything outstanding at a dead worker to siblings.
    mutating func failOver(from worker: Int, now: WallInstant) -> [Action] {
        let shard = health.shard(of: worker)
        var actions: [Action] = []
        for id in requests.waitingOn(worker: worker, shard: shard) {
            statistics.failovers += 1
            actions += abandon(worker: worker, request: id, shard: shard, reason: "shard \(shard): its replica stopped answering", now: now)
        }
        return actions
    }

    mutating func finishIfSettled(_ id: UInt64, now: WallInstant) -> [Action] {
        guard requests.withRequest(id, { $0.isSettled }) == true else { return [] }
        return finish(id, now: now)
    }
}
