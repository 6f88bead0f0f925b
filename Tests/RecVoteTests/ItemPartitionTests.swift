import RecMath
import RecVote
import XCTest

final class ItemPartitionTests: XCTestCase {
    /// Heavy-tailed item loads (a few items in every shortlist, most in none), as shortlists give.
    static func zipfLoads(items: Int, seed: UInt64) -> [Int] {
        var rng = SeededRandom(seed: seed)
        return (0..<items).map { i in 1 + Int(2_000 / Double(1 + i)) + (rng.unit() < 0.3 ? rng.below(20) : 0) }
    }

    func testEveryItemHasOneOwnerAndNoShardExceedsTheCapacity() throws {
        for shards in [1, 2, 3, 5, 8] {
            let loads = Self.zipfLoads(items: 3_000, seed: UInt64(shards))
            let p = try ItemPartition(shardCount: shards, itemLoads: loads)
            XCTAssertEqual(p, try ItemPartition(shardCount: shards, itemLoads: loads), "deterministic")
            XCTAssertTrue(p.owners.allSatisfy { $0 >= 0 && Int($0) < shards })
            XCTAssertEqual(p.loads.reduce(0, +), loads.reduce(0, +))
            XCTAssertEqual((0..<shards).map { p.items(ownedBy: $0).count }.reduce(0, +), loads.count)
            for s in 0..<shards {
                XCTAssertLessThanOrEqual(p.loads[s], p.capacity)
                XCTAssertEqual(p.items(ownedBy: s).map { loads[$0] }.reduce(0, +), p.loads[s])
            }
            // Within the slack (5 %) of the mean.
            let mean = Double(loads.reduce(0, +)) / Double(shards)
            XCTAssertLessThanOrEqual(Double(p.loads.max()!), 1.05 * mean + 1, "\(shards) shards")
        }
    }

    /// Adding a shard moves at most twice the (N + 1)-th of the items plain rendezvous hashing
    /// would (measured: 52, 31, 31 and 22 % for 2, 3, 5 and 7 shards), most of them to the new
    /// shard; the rest stay where they were.
    func testAddingAShardMovesLittle() throws {
        for shards in [2, 3, 5, 7] {
            let loads = Self.zipfLoads(items: 4_000, seed: 9)
            let before = try ItemPartition(shardCount: shards, itemLoads: loads)
            let after = try ItemPartition(shardCount: shards + 1, itemLoads: loads)
            let moved = loads.indices.filter { before.owners[$0] != after.owners[$0] }
            let toNew = moved.filter { after.owner(of: $0) == shards }
            let movedShare = Double(moved.count) / Double(loads.count)
            XCTAssertLessThanOrEqual(movedShare, 2.0 / Double(shards + 1), "\(shards) → \(shards + 1): \(movedShare)")
            XCTAssertGreaterThanOrEqual(Double(toNew.count), 0.6 * Double(moved.count), "\(shards) → \(shards + 1)")
        }
    }

    /// An item heavier than the capacity goes to the least-loaded shard.
    func testAnItemThatFitsNowhereGoesToTheLeastLoadedShard() throws {
        let p = try ItemPartition(shardCount: 2, itemLoads: [100, 3, 2, 1])
        XCTAssertEqual(p.capacity, 56, "⌈1.05 · 106 / 2⌉")
        XCTAssertEqual(p.loads.sorted(), [6, 100])
        let q = try ItemPartition(shardCount: 3, itemLoads: [50, 50, 50, 1])
        XCTAssertEqual(q.loads.sorted(), [50, 50, 51])
    }

    func testLoadsOfZeroAndRefusedShardCounts() throws {
        let p = try ItemPartition(shardCount: 3, itemLoads: [0, 0, -4, 0])
        XCTAssertEqual(p.loads, [0, 0, 0])
        XCTAssertEqual(p.owners.count, 4)
        XCTAssertEqual(try ItemPartition(shardCount: 2, itemLoads: []).owners, [])
        XCTAssertThrowsError(try ItemPartition(shardCount: 0, itemLoads: [1])) { XCTAssertEqual($0 as? ShardMap.Problem, .noShards) }
        XCTAssertThrowsError(try ItemPartition(shardCount: 5_000, itemLoads: [1])) { XCTAssertEqual($0 as? ShardMap.Problem, .tooManyShards(5_000)) }
    }
}
