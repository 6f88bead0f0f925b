import RecMath
import RecVote
import XCTest

@testable import RecVote

final class ShardMapTests: XCTestCase {
    func testShardCountsAreBounded() throws {
        XCTAssertEqual(try ShardMap(shardCount: 1).shardCount, 1)
        XCTAssertEqual(try ShardMap(shardCount: ShardMap.maximumShardCount).shardCount, ShardMap.maximumShardCount)
        XCTAssertThrowsError(try ShardMap(shardCount: 0)) { XCTAssertEqual($0 as? ShardMap.Problem, .noShards) }
        XCTAssertThrowsError(try ShardMap(shardCount: 5_000)) { XCTAssertEqual($0 as? ShardMap.Problem, .tooManyShards(5_000)) }
    }

    func testRendezvousWeightsPreferEveryShardEquallyOften() {
        var first = [Int](repeating: 0, count: 5)
        for key in 0..<5_000 {
            first[(0..<5).max { ShardMap.weight(key: key, shard: $0) < ShardMap.weight(key: key, shard: $1) }!] += 1
        }
        for n in first { XCTAssertGreaterThan(n, 850); XCTAssertLessThan(n, 1_150) }
    }
}

final class ShardMergeTests: XCTestCase {
    func testMergeOfDisjointTopListsIsTheTopOfTheirUnion() {
        var rng = SeededRandom(seed: 3)
        func ranked(_ items: [Int], _ scores: [Float], k: Int) -> [(index: Int, score: Float)] {
            let entries: [(index: Int, score: Float)] = items.map { ($0, scores[$0]) }
            let sorted = entries.sorted { a, b in a.score != b.score ? a.score > b.score : a.index < b.index }
            return Array(sorted.prefix(k))
        }
        for shards in [1, 2, 3, 5, 7] {
            let k = 10
            // Random scores (with ties) for 300 items, owned round robin.
            let scores: [Float] = (0..<300).map { _ in Float(rng.below(40)) / 4 }
            let whole = ranked(Array(0..<300), scores, k: k)
            var merge = ShardMerge(shardCount: shards, itemCount: 300, k: k)
            for s in (0..<shards).reversed() {
                let mine = ranked((0..<300).filter { $0 % shards == s }, scores, k: k)
                XCTAssertEqual(merge.accept(shard: s, items: mine.map { UInt32($0.index) }, scores: mine.map { $0.score }), .accepted)
            }
            XCTAssertTrue(merge.isComplete)
            let result = merge.finish()
            XCTAssertEqual(result.items.map { $0.index }, whole.map { $0.index }, "\(shards) shards")
            XCTAssertEqual(result.items.map { $0.score }, whole.map { $0.score })
            XCTAssertEqual(result.coverage, 1)
        }
    }

    func testInvalidDuplicateAndMissingReplies() {
        var merge = ShardMerge(shardCount: 4, itemCount: 100, k: 2)
        XCTAssertEqual(merge.accept(shard: 4, items: [], scores: []), .unexpected)
        XCTAssertEqual(merge.accept(shard: -1, items: [], scores: []), .unexpected)
        guard case .invalid = merge.accept(shard: 0, items: [1, 2, 3], scores: [3, 2, 1]) else { return XCTFail("k") }
        guard case .invalid = merge.accept(shard: 0, items: [100], scores: [1]) else { return XCTFail("range") }
        guard case .invalid = merge.accept(shard: 0, items: [1], scores: [.nan]) else { return XCTFail("nan") }
        guard case .invalid = merge.accept(shard: 0, items: [1], scores: []) else { return XCTFail("lengths") }
        XCTAssertEqual(merge.accept(shard: 1, items: [7, 8], scores: [2, 1]), .accepted)
        XCTAssertEqual(merge.accept(shard: 1, items: [9], scores: [5]), .duplicate)
        XCTAssertEqual(merge.accept(shard: 3, items: [4], scores: [1.5]), .accepted)
        let result = merge.finish()
        XCTAssertEqual(result.items.map(\.index), [7, 4])
        XCTAssertEqual(result.coverage, 0.5)
        XCTAssertEqual(result.missingShards, [0, 2])
        XCTAssertFalse(merge.isComplete)
    }
}
