import Foundation
import RecData
import RecMath
import RecVote

/// The parts of a model that shard workers split among themselves: configuration, catalogue size,
/// shortlists, the item–item model and the item bias. No item IDs, features or encoder weights:
/// those are the coordinator's, and at a million items they are most of the file.
public struct ServingParts: Sendable {
    public var configuration: ModelConfiguration
    public var itemCount: Int
    public var shortlists: Shortlists
    public var itemModel: ItemItemWeights?
    public var itemBias: [Float]

    public init(
        configuration: ModelConfiguration, itemCount: Int, shortlists: Shortlists, itemModel: ItemItemWeights?,
        itemBias: [Float]
    ) {
        self.configuration = configuration
        self.itemCount = itemCount
        self.shortlists = shortlists
        self.itemModel = itemModel
        self.itemBias = itemBias
    }

    public init(_ model: RecommenderModel) {
        self.init(
            configuration: model.configuration, itemCount: model.items.count, shortlists: model.shortlists,
            itemModel: model.itemModel, itemBias: model.itemBias)
    }
}

/// What a shard worker holds of a model: its version, configuration, the catalogue size, and its
/// shard of the items under each shard count it serves (one normally; the old and the new count
/// while the cluster is resharded).
public struct ShardModel: Sendable {
    public var version: String
    public var configuration: ModelConfiguration
    public var itemCount: Int
    /// Shard count → this worker's `ItemShard` under that count's partition.
    public var parts: [Int: ItemShard]

    public init(version: String, configuration: ModelConfiguration, itemCount: Int, parts: [Int: ItemShard]) {
        self.version = version
        self.configuration = configuration
        self.itemCount = itemCount
        self.parts = parts
    }

    /// Why a model cannot be split so.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case shardCount(ShardMap.Problem)
        case notInPartition(shard: Int, shardCounts: [Int])
        /// The two-stage ranking with pool maxima needs the whole pool in one place.
        case inexact(shardCount: Int)

        public var description: String {
            switch self {
            case let .shardCount(problem): return problem.description
            case let .notInPartition(shard, counts): return "shard \(shard) is not part of \(counts) shards"
            case let .inexact(count):
                return "the model ranks its pool by pool maxima (--blend-scale pool-max), which \(count) shards owning "
                    + "parts of the items cannot reproduce: serve it with one shard, or train with --blend-scale bound"
            }
        }
    }

    /// Shard `shard` of `whole` under each of `shardCounts` (counts that do not include the shard
    /// are skipped; at least one must).
    public init(version: String, whole: ServingParts, shard: Int, shardCounts: [Int]) throws(Problem) {
        var parts: [Int: ItemShard] = [:]
        for count in Set(shardCounts) where shard >= 0 && shard < count {
            guard ItemShard.isExact(whole.configuration, shardCount: count) else { throw .inexact(shardCount: count) }
            do {
                parts[count] = ItemShard(whole, shard: shard, of: try ItemShard.partition(whole, shardCount: count))
            } catch {
                throw .shardCount(error)
            }
        }
        guard !parts.isEmpty else { throw .notInPartition(shard: shard, shardCounts: shardCounts) }
        self.init(version: version, configuration: whole.configuration, itemCount: whole.itemCount, parts: parts)
    }

    /// The worker's view of a whole model (tests and in-process clusters).
    public init(_ model: RecommenderModel, shard: Int, shardCounts: [Int]) throws(Problem) {
        try self.init(version: model.version, whole: ServingParts(model), shard: shard, shardCounts: shardCounts)
    }

    /// Shortlist entries this worker holds over all its partitions.
    public var heldEntries: Int { parts.values.reduce(0) { $0 + $1.entryCount } }
}
