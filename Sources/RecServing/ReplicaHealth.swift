import RecVote
import RecWire

/// What the coordinator knows of its workers: the shard each serves and which are alive, busy or
/// draining (`ReplicaSet`, fed by heartbeats, replies and silence), and what each one's heartbeat
/// says it holds — the shard map (as a shard count) and the model versions. Replica choice, rollout
/// and resharding all ask it; nothing else keeps per-worker state.
public struct ReplicaHealth: Sendable {
    public internal(set) var replicas: ReplicaSet
    /// The shard count each worker says it loaded (0 until its first heartbeat).
    private(set) var heldShardCount: [Int]
    /// The model versions each worker says it holds (empty until its first heartbeat).
    private(set) var versions: [Set<String>]

    init(replicas counts: [Int], now: WallInstant) {
        replicas = ReplicaSet(replicas: counts, now: now)
        heldShardCount = Array(repeating: 0, count: replicas.workerCount)
        versions = Array(repeating: [], count: replicas.workerCount)
    }

    var workerCount: Int { replicas.workerCount }

    func shard(of worker: Int) -> Int { replicas.shardOfWorker[worker] }

    /// A worker's heartbeat: the shard count and model versions it holds.
    mutating func noteHolding(worker: Int, shardCount: Int, versions held: Set<String>) {
        heldShardCount[worker] = shardCount
        versions[worker] = held
    }

    /// New workers for a new shard (not in rotation until `replicas.admit`).
    mutating func addWorkers(forShard shard: Int, count: Int, now: WallInstant) -> [Int] {
        let added = replicas.addWorkers(forShard: shard, count: count, now: now)
        heldShardCount += Array(repeating: 0, count: added.count)
        versions += Array(repeating: [], count: added.count)
        return added
    }

    /// The best replica of `shard` not in `excluded` that holds `version`; a worker not heard from
    /// yet is assumed to hold `current` (the version it was started with).
    mutating func choose(shard: Int, version: String, current: String, excluding excluded: Set<Int>) -> Int? {
        guard replicas.workers.indices.contains(shard) else { return nil }
        var skip = excluded
        for w in replicas.workers[shard] where versions[w].isEmpty ? version != current : !versions[w].contains(version) {
            skip.insert(w)
        }
        return replicas.choose(shard: shard, excluding: skip)
    }

    /// Some live replica of `shard` holds `version` (a draining worker is not live: it is out of
    /// rotation until a heartbeat says otherwise).
    func hasHolder(shard: Int, version: String) -> Bool {
        guard replicas.workers.indices.contains(shard) else { return false }
        return replicas.workers[shard].contains { replicas.alive[$0] && versions[$0].contains(version) }
    }

    /// Some live worker among `workers` reports holding the map with `shardCount` shards.
    func anyReports(shardCount: Int, among workers: [Int]) -> Bool {
        workers.contains { replicas.alive[$0] && heldShardCount[$0] == shardCount }
    }
}
