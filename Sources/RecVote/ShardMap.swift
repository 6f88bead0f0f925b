/// How many shards the items are partitioned into, and the rendezvous (highest-random-weight)
/// weights `ItemPartition` places items with. The coordinator plans every request under one
/// shard map; which shard owns which item follows from the model and the count alone, so every
/// process computes the same partition.
public struct ShardMap: Equatable, Sendable {
    public let shardCount: Int
    public static let maximumShardCount = 4096

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case noShards
        case tooManyShards(Int)
        public var description: String {
            switch self {
            case .noShards: return "a cluster needs at least one shard"
            case let .tooManyShards(n): return "\(n) shards is more than the supported \(ShardMap.maximumShardCount)"
            }
        }
    }

    public init(shardCount: Int) throws(Problem) {
        guard shardCount >= 1 else { throw .noShards }
        guard shardCount <= Self.maximumShardCount else { throw .tooManyShards(shardCount) }
        self.shardCount = shardCount
    }

    /// A well-mixed 64-bit weight for (key, shard) (SplitMix64 finaliser).
    @inline(__always)
    static func weight(key: Int, shard: Int) -> UInt64 {
        var z = (UInt64(truncatingIfNeeded: key) << 32 | UInt64(truncatingIfNeeded: shard)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
