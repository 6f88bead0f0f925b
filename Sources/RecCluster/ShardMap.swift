/// Which shard owns which cluster: rendezvous (highest-random-weight) hashing. Cluster c belongs to
/// the shard s with the largest hash(c, s). Going from N to N + 1 shards moves exactly the clusters
/// whose new highest weight is the new shard's — nothing moves between old shards.
public struct ShardMap: Equatable, Sendable {
    public let shardCount: Int

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case noShards
        case tooManyShards(Int)
        public var description: String {
            switch self {
            case .noShards: return "a cluster needs at least one shard"
            case let .tooManyShards(n): return "\(n) shards is more than the supported 4096"
            }
        }
    }

    public init(shardCount: Int) throws(Problem) {
        guard shardCount >= 1 else { throw .noShards }
        guard shardCount <= 4096 else { throw .tooManyShards(shardCount) }
        self.shardCount = shardCount
    }

    /// A well-mixed 64-bit weight for (cluster, shard) (SplitMix64 finaliser).
    @inline(__always)
    static func weight(cluster: Int, shard: Int) -> UInt64 {
        var z = (UInt64(truncatingIfNeeded: cluster) << 32 | UInt64(truncatingIfNeeded: shard)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public func owner(of cluster: Int) -> Int {
        var best = 0
        var bestWeight = Self.weight(cluster: cluster, shard: 0)
        for s in 1..<shardCount {
            let w = Self.weight(cluster: cluster, shard: s)
            if w > bestWeight { best = s; bestWeight = w }
        }
        return best
    }

    /// The clusters (of 0..<clusterCount) that `shard` owns, ascending.
    public func clusters(ownedBy shard: Int, clusterCount: Int) -> [Int] {
        (0..<clusterCount).filter { owner(of: $0) == shard }
    }
}
