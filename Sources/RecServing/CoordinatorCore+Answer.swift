import RecInference
import RecMath
import RecVote
import RecWire

extension CoordinatorCore {
    /// Answers a request with what has arrived: the merged top-k lists (filled from popularity when
    /// short), the coverage and, per missing shard, why — or a `low coverage` error below the
    /// configured minimum.
    mutating func finish(_ id: UInt64, now: WallInstant) -> [Action] {
        guard var p = requests.remove(id) else { return [] }
        for attempt in p.attempts.values {
            for worker in attempt.outstanding { health.replicas.finished(worker) }  // unanswered at the deadline
        }
        let model = p.shared.model
        let mergeStarted = clock()
        let result = p.merge.finish()
        let reasons = result.missingShards.map { p.failures[$0] ?? "shard \($0) did not answer by the deadline" }
        let total = now.microseconds(since: p.started)
        statistics.record(latencyMicros: total)
        admission.completed(started: p.started, now: now)
        statistics.recordCoverage(result.coverage)
        events.append(CoordinatorEvents.Completed(micros: total, coverage: result.coverage))
        if result.coverage < 1 {
            statistics.degraded += 1
            events.append(.degraded(requestID: p.clientRequestID, coverage: result.coverage, reasons: reasons))
        }
        if result.coverage < configuration.minCoverage {
            statistics.lowCoverage += 1
            return [
                reject(
                    p.replyTo, requestID: p.clientRequestID, code: .lowCoverage,
                    "coverage \(result.coverage) is below the minimum \(configuration.minCoverage): " + reasons.joined(separator: "; "))
            ]
        }
        let rec = model.complete(p.prepared, voted: result.items, k: p.k)
        var response = RecommendResponse(requestID: p.clientRequestID)
        response.itemIDs = rec.items.map { model.items[$0.index] }
        response.scores = rec.items.map(\.score)
        response.clusterIDs = rec.clusters.map { UInt32($0.index) }
        response.clusterWeights = rec.clusters.map(\.score)
        response.modelVersion = model.version
        response.coverage = result.coverage
        response.degradedReasons = reasons
        response.unknownItems = UInt32(p.unknownItems)
        response.truncatedInteractions = UInt32(rec.truncatedInteractions)
        response.filledFromPopularity = UInt32(rec.filledFromPopularity)
        response.filteredCandidates = UInt32(rec.filteredCandidates)
        if let history = p.explainHistory {
            response.explanations = model.explain(rec, history: history).map { e in
                RecommendResponse.Explanation(
                    clusterIDs: e.clusters.map(UInt32.init), clusterShares: e.shares,
                    becauseItemIDs: e.because.map { model.items[$0] }, similarities: e.similarities)
            }
        }
        response.timings.encodeMicros = UInt32(min(p.encodeMicros, UInt64(UInt32.max)))
        response.timings.mergeMicros = UInt32(min(elapsed(since: mergeStarted), UInt64(UInt32.max)))
        response.timings.totalMicros = UInt32(min(total, UInt64(UInt32.max)))
        // Fan-out: from the sub-requests leaving to the last reply (or the deadline).
        let t = response.timings
        response.timings.fanoutMicros = t.totalMicros &- min(t.totalMicros, t.encodeMicros &+ t.mergeMicros)
        p.failures.removeAll()
        return [reply(p.replyTo, ServerMessage.recommend(response).serializedBytes())]
    }

    /// Why the coordinator should not get traffic now, or nil when it should: it is draining, or some
    /// shard has no live, non-draining replica whose heartbeat says it holds the current model.
    public var readinessProblem: String? {
        if draining { return "draining" }
        for shard in 0..<shardMap.shardCount where !health.hasHolder(shard: shard, version: model.version) {
            return "shard \(shard) has no live replica holding model version \(model.version)"
        }
        return nil
    }

    /// This loop's status merged with its sibling loops' latest snapshots (`siblingStatus`).
    func status(requestID: String) -> StatusResponse {
        StatusMerge.merge(ownStatus(requestID: requestID), with: siblingStatus)
    }

    /// This loop's own counters, latencies and view of the replicas.
    public func ownStatus(requestID: String) -> StatusResponse {
        var s = StatusResponse(requestID: requestID)
        s.modelVersion = model.version
        s.requests = statistics.requests
        s.errors = statistics.errors
        s.degraded = statistics.degraded
        let p = statistics.percentiles([0.5, 0.9, 0.99])
        s.p50Micros = p[0]; s.p90Micros = p[1]; s.p99Micros = p[2]
        s.ready = readinessProblem == nil
        let t = statistics
        s.retries = t.retries; s.hedges = t.hedges; s.failovers = t.failovers; s.heartbeatMisses = t.heartbeatMisses
        s.overloaded = t.overloaded; s.lowCoverage = t.lowCoverage; s.lateReplies = t.lateReplies
        s.completeReplies = t.completeReplies; s.inFlight = UInt32(min(requests.count, Int(UInt32.max)))
        s.admissionLimit = UInt32(min(admissionLimit, Int(UInt32.max)))
        s.blockedItems = UInt32(min(blocklist.count, Int(UInt32.max)))
        s.authRefused = t.authRefused; s.handshakeFailures = t.handshakeFailures; s.clientDisconnects = t.clientDisconnects
        s.shards = (0..<shardMap.shardCount).map { shard in
            var st = ShardStatus()
            st.shard = UInt32(shard)
            st.modelVersion = model.version
            let counters = statistics.shards[shard]
            st.requests = counters.sent
            let p = counters.latency.percentiles([0.5, 0.99])
            st.p50Micros = p[0]; st.p99Micros = p[1]
            // Alive as far as the coordinator can tell: some replica answers heartbeats.
            st.replicas = UInt32(replicas.workers[shard].count)
            st.replicasAlive = UInt32(replicas.workers[shard].filter { replicas.alive[$0] }.count)
            st.alive = st.replicasAlive > 0
            return st
        }
        return s
    }
}
