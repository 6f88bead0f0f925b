import RecCluster

/// Live scale-out: adding shards while serving. Rendezvous hashing means that growing from N to
/// N + k shards only moves clusters to the new shards, so the existing workers already hold every
/// cluster they keep; the new shards' workers load theirs, report the grown map in their
/// heartbeats, and only then does the coordinator switch new requests to the grown map. Requests
/// in flight keep the plan they started with.
extension CoordinatorCore {
    public enum GrowthError: Error, Equatable, CustomStringConvertible {
        case inProgress(target: Int)
        case noNewShards
        public var description: String {
            switch self {
            case let .inProgress(target): return "a change to \(target) shards is still waiting for its workers"
            case .noNewShards: return "the new topology adds no shard"
            }
        }
    }

    /// Starts growing by one shard per entry of `replicaCounts` (its replica count). Returns the
    /// new workers' indices, in order: the shell connects them in this order.
    public mutating func beginGrowth(replicaCounts: [Int], now: UInt64) throws(GrowthError) -> [Int] {
        if let g = growth { throw .inProgress(target: g.target.shardCount) }
        guard !replicaCounts.isEmpty else { throw .noNewShards }
        guard let target = try? ShardMap(shardCount: shardMap.shardCount + replicaCounts.count) else { throw .noNewShards }
        var incoming: [Int: [Int]] = [:]
        var added: [Int] = []
        for (k, count) in replicaCounts.enumerated() {
            let shard = shardMap.shardCount + k
            let workers = replicas.addWorkers(forShard: shard, count: count, now: now)
            incoming[shard] = workers
            added += workers
            statistics.shards.append(CoordinatorStatistics.ShardCounters())
            hedgeDelay.append(configuration.hedging?.maxDelayMicros ?? 0)
        }
        heldShardCount += Array(repeating: 0, count: added.count)
        growth = Growth(target: target, incoming: incoming)
        events.append(.growing(from: shardMap.shardCount, to: target.shardCount))
        return added
    }

    /// After a heartbeat: switches to the grown map once every new shard has a live worker that
    /// loaded it.
    mutating func completeGrowthIfReady() {
        guard let g = growth else { return }
        let ready = g.incoming.values.allSatisfy { workers in
            workers.contains { replicas.alive[$0] && heldShardCount[$0] == g.target.shardCount }
        }
        guard ready else { return }
        let from = shardMap.shardCount
        for (shard, workers) in g.incoming.sorted(by: { $0.key < $1.key }) { replicas.admit(shard: shard, workers: workers) }
        shardMap = g.target
        growth = nil
        events.append(.resharded(from: from, to: shardMap.shardCount))
    }
}

/// A scale-out waiting for its new workers.
struct Growth {
    var target: ShardMap
    /// New shard → its workers (not in rotation until the switch).
    var incoming: [Int: [Int]]
}
