import RecInference
import RecVote
import RecWire

/// Live resharding. The coordinator announces the target shard count in its heartbeats; a worker
/// that does not hold its shard of the target's item partition loads it (keeping the old one, so it
/// serves both plans) and reports the count in its heartbeat. Only when every shard of the target
/// has a live worker reporting it do new requests switch to the target count; requests in flight
/// keep the plan they started with (their sub-requests name it), so every answer comes from one
/// partition and stays exact. Growing from N to N + k moves items to the new shards and a few
/// between old ones (bounded loads); shrinking removes the last shards, whose items the others load
/// first, and the removed workers then only finish old-plan work (stop them once `status` no
/// longer lists their shard).
extension CoordinatorCore {
    public enum GrowthError: Error, Equatable, CustomStringConvertible {
        case inProgress(target: Int)
        case noNewShards
        case invalidTarget(Int)
        /// The model's ranking cannot be split over that many shards (`ItemShard.isExact`).
        case inexactModel(target: Int)
        public var description: String {
            switch self {
            case let .inProgress(target): return "a change to \(target) shards is still waiting for its workers"
            case .noNewShards: return "the new topology adds no shard"
            case let .invalidTarget(n): return "cannot shrink to \(n) shards"
            case let .inexactModel(n): return ShardModel.Problem.inexact(shardCount: n).description
            }
        }
    }

    /// Starts growing by one shard per entry of `replicaCounts` (its replica count). Returns the
    /// new workers' indices, in order: the shell connects them in this order.
    public mutating func beginGrowth(replicaCounts: [Int], now: WallInstant) throws(GrowthError) -> [Int] {
        if let target = resharding.target { throw .inProgress(target: target.shardCount) }
        guard !replicaCounts.isEmpty else { throw .noNewShards }
        guard let target = try? ShardMap(shardCount: shardMap.shardCount + replicaCounts.count) else { throw .noNewShards }
        guard ItemShard.isExact(model.configuration, shardCount: target.shardCount) else {
            throw .inexactModel(target: target.shardCount)
        }
        var incoming: [Int: [Int]] = [:]
        var added: [Int] = []
        for (k, count) in replicaCounts.enumerated() {
            let shard = shardMap.shardCount + k
            let workers = health.addWorkers(forShard: shard, count: count, now: now)
            incoming[shard] = workers
            added += workers
            statistics.shards.append(CoordinatorStatistics.ShardCounters())
            hedgeDelay.append(configuration.hedging?.maxDelay ?? .zero)
        }
        resharding.begin(target: target, incoming: incoming)
        events.append(.growing(from: shardMap.shardCount, to: target.shardCount))
        return added
    }

    /// Starts shrinking to the first `shardCount` shards (the last ones are removed).
    public mutating func beginShrink(to shardCount: Int, now: WallInstant) throws(GrowthError) {
        if let target = resharding.target { throw .inProgress(target: target.shardCount) }
        guard shardCount >= 1, shardCount < shardMap.shardCount, let target = try? ShardMap(shardCount: shardCount) else {
            throw .invalidTarget(shardCount)
        }
        resharding.begin(target: target, incoming: [:])
        events.append(.growing(from: shardMap.shardCount, to: shardCount))
    }

    /// The shard count a worker's heartbeat asks it to hold (0 for workers of removed shards).
    func announcedShardCount(for worker: Int) -> Int {
        let target = resharding.announcedShardCount
        return health.shard(of: worker) < target ? target : 0
    }

    /// After a heartbeat: switches to the target map once every shard of it has a live worker that
    /// reports it.
    mutating func completeGrowthIfReady() {
        guard let target = resharding.target else { return }
        let ready = (0..<target.shardCount).allSatisfy { shard in
            health.anyReports(
                shardCount: target.shardCount,
                among: resharding.workersToReport(shard: shard, existing: health.replicas.workers))
        }
        guard ready else { return }
        let from = shardMap.shardCount
        for (shard, workers) in resharding.complete() { health.replicas.admit(shard: shard, workers: workers) }
        events.append(.resharded(from: from, to: shardMap.shardCount))
    }
}
