import RecCluster
import RecWire

/// Sending sub-requests and keeping them alive: replica choice, failover on errors, missed
/// replies and dead workers, hedging under a budget, and heartbeats.
extension CoordinatorCore {
    /// Sends the shard's query to the best replica not asked yet; records the shard as failed when
    /// none is left or the deadline has come.
    mutating func send(request id: UInt64, shard: Int, now: UInt64) -> [Action] {
        // The attempt is moved out of the table and back (not copied), so appending to it does
        // not copy its arrays.
        guard let index = pending.index(forKey: id), var attempt = pending.values[index].attempts.removeValue(forKey: shard) else { return [] }
        // Only replicas known to hold the request's model version (a worker not heard from yet is
        // assumed to hold the current one).
        let version = pending.values[index].shared.version, currentVersion = current.version
        let lacking = replicas.workers.indices.contains(shard)
            ? replicas.workers[shard].filter { w in workerVersions[w].isEmpty ? version != currentVersion : !workerVersions[w].contains(version) }
            : []
        guard now < pending.values[index].deadline,
              let worker = replicas.choose(shard: shard, excluding: attempt.triedWorkers.union(lacking)) else {
            if attempt.outstanding.isEmpty {
                if pending.values[index].failures[shard] == nil {
                    pending.values[index].failures[shard] = "shard \(shard): no replica left to ask"
                }
            } else {
                pending.values[index].attempts[shard] = attempt
            }
            return []
        }
        attempt.asked.append((worker, now))
        attempt.outstanding.append(worker)
        attempt.serial += 1
        statistics.shards[shard].sent += 1
        timers.insert(RequestTimer(time: now + checkDelay(shard: shard, attempt: attempt), request: id, shard: shard, serial: attempt.serial))
        let query = attempt.query
        pending.values[index].attempts[shard] = attempt
        return [.toWorker(worker, query)]
    }

    /// How long after the latest send to look at this shard's sub-request again.
    func checkDelay(shard: Int, attempt: ShardAttempts) -> UInt64 {
        if configuration.hedging != nil && !attempt.hedged { return min(hedgeDelay[shard], configuration.attemptTimeoutMicros) }
        return configuration.attemptTimeoutMicros
    }

    /// A timer came due: a deadline answers the request; an attempt check hedges or fails over.
    mutating func fire(_ timer: RequestTimer, now: UInt64) -> [Action] {
        guard let p = pending[timer.request] else { return [] }
        guard let shard = timer.shard else { return now >= p.deadline ? finish(timer.request, now: now) : [] }
        guard var attempt = p.attempts[shard], attempt.serial == timer.serial else { return [] }
        let waited = now >= attempt.lastSent ? now - attempt.lastSent : 0
        if waited >= configuration.attemptTimeoutMicros {
            statistics.retries += 1
            return send(request: timer.request, shard: shard, now: now)
        }
        if configuration.hedging != nil && !attempt.hedged {
            attempt.hedged = true
            pending[timer.request]!.attempts[shard] = attempt
            if hedgeBudget.spend() {
                statistics.hedges += 1
                return send(request: timer.request, shard: shard, now: now)
            }
            statistics.hedgesDenied += 1
        }
        // Not yet (or no budget): look again when the attempt times out.
        timers.insert(RequestTimer(time: attempt.lastSent + configuration.attemptTimeoutMicros, request: timer.request,
                                   shard: shard, serial: attempt.serial))
        return []
    }

    /// `worker` will not answer this request's shard: ask a sibling if nobody else is on it.
    mutating func abandon(worker: Int, request id: UInt64, shard: Int, reason: String, now: UInt64) -> [Action] {
        guard var p = pending[id], var attempt = p.attempts[shard], let k = attempt.outstanding.firstIndex(of: worker) else { return [] }
        attempt.outstanding.remove(at: k)
        replicas.finished(worker)
        p.attempts[shard] = attempt
        p.failures[shard] = reason
        pending[id] = p
        guard attempt.outstanding.isEmpty else { return [] }
        var actions: [Action] = []
        if pending[id]?.attempts[shard] != nil {
            statistics.retries += 1
            actions = send(request: id, shard: shard, now: now)
        }
        if pending[id]?.attempts[shard]?.outstanding.isEmpty == false { pending[id]?.failures[shard] = nil }
        return actions + finishIfSettled(id, now: now)
    }

    /// Moves everything outstanding at a dead worker to siblings.
    mutating func failOver(from worker: Int, now: UInt64) -> [Action] {
        let shard = replicas.shardOfWorker[worker]
        let affected = pending.filter { $0.value.attempts[shard]?.outstanding.contains(worker) == true }.keys.sorted()
        var actions: [Action] = []
        for id in affected {
            statistics.failovers += 1
            actions += abandon(worker: worker, request: id, shard: shard, reason: "shard \(shard): its replica stopped answering", now: now)
        }
        return actions
    }

    mutating func heartbeat(now: UInt64) -> [Action] {
        nextHeartbeat = now + configuration.heartbeatIntervalMicros
        var actions: [Action] = []
        for dead in replicas.expireSilent(now: now, timeout: configuration.heartbeatTimeoutMicros) {
            statistics.heartbeatMisses += 1
            events.append(.workerDown(worker: dead, shard: replicas.shardOfWorker[dead],
                                      reason: "silent for more than \(configuration.heartbeatTimeoutMicros / 1_000) ms"))
            actions += failOver(from: dead, now: now)
        }
        if let h = configuration.hedging {
            for shard in hedgeDelay.indices {
                let p = statistics.shards[shard].latency.percentiles([h.percentile])[0]
                hedgeDelay[shard] = min(h.maxDelayMicros, max(h.minDelayMicros, UInt64(p)))
            }
        }
        for worker in 0..<replicas.workerCount {
            let beat = Heartbeat(shard: UInt32(replicas.shardOfWorker[worker]), modelVersion: model.version, sentUnixMicros: now,
                                 shardCount: UInt32(announcedShardCount(for: worker)))
            actions.append(.toWorker(worker, CoordinatorMessage.heartbeat(beat).serializedBytes()))
        }
        return actions
    }
}
