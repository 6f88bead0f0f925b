import RecVote

/// The shard map new requests are planned with, and a change to another shard count waiting for
/// its workers (see `CoordinatorCore+Growth` for the protocol).
struct Resharding {
    private(set) var shardMap: ShardMap
    /// The target map, and its new shards' workers (not in rotation until the switch).
    private(set) var target: ShardMap?
    private(set) var incoming: [Int: [Int]] = [:]

    init(_ shardMap: ShardMap) { self.shardMap = shardMap }

    var inProgress: Bool { target != nil }

    /// The shard count workers are asked to hold: the target's during a change.
    var announcedShardCount: Int { target?.shardCount ?? shardMap.shardCount }

    mutating func begin(target: ShardMap, incoming: [Int: [Int]]) {
        self.target = target
        self.incoming = incoming
    }

    /// The workers that must report the target map for `shard` before the switch.
    func workersToReport(shard: Int, existing: [[Int]]) -> [Int] {
        incoming[shard] ?? (existing.indices.contains(shard) ? existing[shard] : [])
    }

    /// Switches to the target map; returns the new shards' workers to put in rotation, in shard order.
    mutating func complete() -> [(shard: Int, workers: [Int])] {
        guard let target else { return [] }
        let admitted = incoming.sorted { $0.key < $1.key }.map { (shard: $0.key, workers: $0.value) }
        shardMap = target
        self.target = nil
        incoming = [:]
        return admitted
    }
}
