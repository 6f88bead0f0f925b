/// Which shard owns which item when shards own items: rendezvous hashing with bounded loads. Each
/// item carries a load (its shortlist entries plus one, say: what a request's work on it grows
/// with). Items are placed heaviest first (ties: lower index), each on the shard with the highest
/// rendezvous weight (`ShardMap.weight`) that still has room under a common capacity, (1 + slack)
/// times the mean load; an item that fits nowhere goes to the least-loaded shard. The loads stay
/// balanced while most items stay where plain rendezvous hashing puts them: going from N to N + 1
/// shards moves mostly items that now prefer the new shard. Deterministic: the same loads and
/// shard count give the same owners.
public struct ItemPartition: Equatable, Sendable {
    public let shardCount: Int
    /// owners[i]: the shard that owns item i.
    public let owners: [Int32]
    /// Each shard's total load.
    public let loads: [Int]
    /// ⌈(1 + slack) · total / N⌉: the load a shard takes by preference at most.
    public let capacity: Int

    public init(shardCount: Int, itemLoads: [Int], slack: Double = 0.05) throws(ShardMap.Problem) {
        _ = try ShardMap(shardCount: shardCount)
        let loads = itemLoads.map { Swift.max(0, $0) }
        let total = loads.reduce(0, +)
        capacity = Int(((1 + Swift.max(0, slack)) * Double(total) / Double(shardCount)).rounded(.up))
        self.shardCount = shardCount
        let order = loads.indices.sorted { (loads[$0], -$0) > (loads[$1], -$1) }
        var owners = [Int32](repeating: 0, count: loads.count)
        var shardLoads = [Int](repeating: 0, count: shardCount)
        var weights = [UInt64](repeating: 0, count: shardCount)
        for item in order {
            for s in 0..<shardCount { weights[s] = ShardMap.weight(key: item, shard: s) }
            // The best-weighted shard with room (weights are distinct in practice; ties: lower shard),
            // else the least loaded (ties: the better weight).
            var chosen = -1
            var chosenWeight: UInt64 = 0
            for s in 0..<shardCount where shardLoads[s] + loads[item] <= capacity {
                if chosen < 0 || weights[s] > chosenWeight { chosen = s; chosenWeight = weights[s] }
            }
            if chosen < 0 {
                chosen = 0
                for s in 1..<shardCount where (shardLoads[s], weights[chosen]) < (shardLoads[chosen], weights[s]) { chosen = s }
            }
            owners[item] = Int32(chosen)
            shardLoads[chosen] += loads[item]
        }
        self.owners = owners
        self.loads = shardLoads
    }

    public func owner(of item: Int) -> Int { Int(owners[item]) }

    /// The items `shard` owns, ascending.
    public func items(ownedBy shard: Int) -> [Int] {
        owners.indices.filter { Int(owners[$0]) == shard }
    }
}
