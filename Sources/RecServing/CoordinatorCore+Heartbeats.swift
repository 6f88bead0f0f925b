import RecWire

/// Replica health: heartbeats both ways, silence, draining, and what each worker says it holds.
extension CoordinatorCore {
    /// Any frame from a worker is a sign of life: a worker thought dead is back in rotation.
    mutating func heard(_ worker: Int, now: WallInstant) {
        if !health.replicas.alive[worker] && !health.replicas.draining[worker] {
            events.append(.workerUp(worker: worker, shard: health.shard(of: worker)))
        }
        health.replicas.heard(worker, now: now)
    }

    /// A worker's heartbeat: what it holds (model versions, shard map), and whether it is draining.
    /// A heartbeat naming another shard takes the worker out of rotation: a worker serving another
    /// shard must not get this shard's traffic.
    mutating func heard(_ worker: Int, heartbeat h: Heartbeat, now: WallInstant) {
        let shard = health.shard(of: worker)
        guard Int(h.shard) == shard else {
            statistics.misconfiguredWorkers += 1
            markDead(worker, reason: "it serves shard \(h.shard), not shard \(shard)")
            return
        }
        heard(worker, now: now)
        health.noteHolding(worker: worker, shardCount: Int(h.shardCount), versions: Set(h.modelVersions + [h.modelVersion]))
        completeGrowthIfReady()
        completeRolloutIfReady()
        if h.draining != health.replicas.draining[worker] {
            if h.draining { statistics.drainingWorkers += 1 }
            health.replicas.setDraining(worker, h.draining)
            events.append(h.draining ? .workerDown(worker: worker, shard: shard, reason: "draining") : .workerUp(worker: worker, shard: shard))
        }
    }

    /// Takes a worker out of rotation (its outstanding work is the caller's to move).
    mutating func markDead(_ worker: Int, reason: String) {
        if health.replicas.alive[worker] {
            events.append(.workerDown(worker: worker, shard: health.shard(of: worker), reason: reason))
        }
        health.replicas.markDead(worker)
    }

    /// Every heartbeat interval: declares silent workers dead (moving their work to siblings),
    /// recomputes the hedge delays from recent latencies, and sends every worker a heartbeat that
    /// names its shard, the current model version and the shard count it should hold.
    mutating func heartbeat(now: WallInstant) -> [Action] {
        nextHeartbeat = now + configuration.heartbeatInterval
        var actions: [Action] = []
        for dead in health.replicas.expireSilent(now: now, timeout: configuration.heartbeatTimeout) {
            statistics.heartbeatMisses += 1
            events.append(
                .workerDown(
                    worker: dead, shard: health.shard(of: dead),
                    reason: "silent for more than \(configuration.heartbeatTimeout.wholeMicroseconds / 1_000) ms"))
            actions += failOver(from: dead, now: now)
        }
        if let h = configuration.hedging {
            for shard in hedgeDelay.indices {
                let p = statistics.shards[shard].latency.percentiles([h.percentile])[0]
                hedgeDelay[shard] = min(h.maxDelay, max(h.minDelay, .microseconds(Int64(clamping: p))))
            }
        }
        for worker in 0..<health.workerCount {
            let beat = Heartbeat(
                shard: UInt32(health.shard(of: worker)), modelVersion: model.version, sentUnixMicros: now.microsecondsSinceEpoch,
                shardCount: UInt32(announcedShardCount(for: worker)))
            actions.append(.toWorker(worker, CoordinatorMessage.heartbeat(beat).serializedBytes()))
        }
        return actions
    }
}
