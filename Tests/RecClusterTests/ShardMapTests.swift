@testable import RecCluster
import RecCluster
import RecMath
import XCTest

final class ShardMapTests: XCTestCase {
    func testEveryClusterHasExactlyOneOwnerAndLoadIsBalanced() throws {
        let map = try ShardMap(shardCount: 5)
        var owned = [Int](repeating: 0, count: 5)
        for c in 0..<5_000 { owned[map.owner(of: c)] += 1 }
        XCTAssertEqual(owned.reduce(0, +), 5_000)
        for n in owned { XCTAssertGreaterThan(n, 850); XCTAssertLessThan(n, 1_150) }
        let lists = (0..<5).map { map.clusters(ownedBy: $0, clusterCount: 500) }
        XCTAssertEqual(Set(lists.flatMap { $0 }).count, 500)
        XCTAssertEqual(lists.map(\.count).reduce(0, +), 500)
    }

    func testAddingAShardMovesOnlyTheClustersItTakesOver() throws {
        for n in 1..<8 {
            let before = try ShardMap(shardCount: n), after = try ShardMap(shardCount: n + 1)
            var moved = 0
            for c in 0..<2_000 where before.owner(of: c) != after.owner(of: c) {
                XCTAssertEqual(after.owner(of: c), n, "cluster \(c) moved between old shards")
                moved += 1
            }
            // About 1/(n+1) of the clusters move to the new shard.
            XCTAssertEqual(Double(moved) / 2_000, 1 / Double(n + 1), accuracy: 0.05)
        }
    }

    func testSingleShardOwnsEverythingAndBadCountsAreRejected() throws {
        let one = try ShardMap(shardCount: 1)
        XCTAssertTrue((0..<100).allSatisfy { one.owner(of: $0) == 0 })
        XCTAssertThrowsError(try ShardMap(shardCount: 0)) { XCTAssertEqual($0 as? ShardMap.Problem, .noShards) }
        XCTAssertThrowsError(try ShardMap(shardCount: 5_000))
    }
}

final class FanoutAndMergeTests: XCTestCase {
    let clusters: [(index: Int, score: Float)] = [(11, 0.9), (3, 0.8), (42, 0.5), (7, 0.3)]

    func testPlanGroupsClustersByOwnerAndAsksOnlyOwners() throws {
        let map = try ShardMap(shardCount: 7)
        let plan = FanoutPlan(clusters: clusters, map: map)
        XCTAssertEqual(plan.subRequests.flatMap(\.clusters).sorted(), [3, 7, 11, 42])
        XCTAssertEqual(Set(plan.shards), Set(clusters.map { map.owner(of: $0.index) }))
        XCTAssertEqual(plan.shards, plan.shards.sorted())
        for sub in plan.subRequests { for c in sub.clusters { XCTAssertEqual(map.owner(of: c), sub.shard) } }
        XCTAssertEqual(plan.totalWeight, 2.5, accuracy: 1e-6)
    }

    /// Shards computing partial votes over their clusters merge to exactly the one-process vote.
    func testMergedPartialsEqualTheSingleProcessVoteForAnyShardCount() throws {
        var rng = SeededRandom(seed: 3)
        var lists: [[(Int, Float)]] = []
        for _ in 0..<50 {
            var list: [(Int, Float)] = []
            for _ in 0..<30 { list.append((rng.below(300), rng.uniform(0, 2))) }
            lists.append(list)
        }
        var unique: [(index: Int, score: Float)] = []
        var seen = Set<Int>()
        for _ in 0..<10 {
            let c = rng.below(50), w = rng.uniform(0.1, 1)
            if seen.insert(c).inserted { unique.append((c, w)) }
        }
        // A per-item bias (the model's β) is added once per voted item, after every shard's part.
        let bias = (0..<300).map { _ in rng.uniform(-1, 1) }
        for (itemBias, biasWeight) in [([Float](), Float(0)), (bias, 0.7)] {
        var single = VoteAccumulator(itemCount: 300)
        for (c, w) in unique { for (i, s) in lists[c] { single.add(item: i, sum: VoteAccumulator.fixedPoint(weight: w, score: s), count: 1) } }
        if !itemBias.isEmpty { single.addToTouched(itemBias, weight: biasWeight) }
        let expected = single.top(k: 50, excluding: [5], reduction: .sum)
        for shards in [1, 2, 3, 7] {
            let plan = FanoutPlan(clusters: unique, map: try ShardMap(shardCount: shards))
            var merge = VoteMerge(plan: plan, itemCount: 300)
            for sub in plan.subRequests.reversed() {
                var partial = VoteAccumulator(itemCount: 300)
                for (c, w) in zip(sub.clusters, sub.weights) {
                    for (i, s) in lists[c] { partial.add(item: i, sum: VoteAccumulator.fixedPoint(weight: w, score: s), count: 1) }
                }
                let p = partial.partials()
                XCTAssertEqual(merge.accept(shard: sub.shard, items: p.map { UInt32($0.item) }, sums: p.map(\.sum),
                                            counts: p.map { UInt32($0.count) }), .accepted)
            }
            XCTAssertTrue(merge.isComplete)
            var scratch = VoteAccumulator(itemCount: 300)
            let result = merge.finish(k: 50, excluding: [5], reduction: .sum, itemBias: itemBias, biasWeight: biasWeight, using: &scratch)
            XCTAssertEqual(result.coverage, 1)
            XCTAssertEqual(result.items.map(\.index), expected.map(\.index), "\(shards) shards, bias \(biasWeight)")
            XCTAssertEqual(result.items.map(\.score), expected.map(\.score), "\(shards) shards, bias \(biasWeight)")
        }
        }
    }

    func testCoverageDuplicatesAndBadReplies() throws {
        let map = try ShardMap(shardCount: 3)
        let plan = FanoutPlan(clusters: clusters, map: map)
        var merge = VoteMerge(plan: plan, itemCount: 10)
        let first = plan.subRequests[0]
        XCTAssertEqual(merge.accept(shard: first.shard, items: [1], sums: [5], counts: [1]), .accepted)
        XCTAssertEqual(merge.accept(shard: first.shard, items: [1], sums: [5], counts: [1]), .duplicate)
        let stranger = (0..<3).first { !plan.shards.contains($0) }
        if let stranger { XCTAssertEqual(merge.accept(shard: stranger, items: [], sums: [], counts: []), .unexpected) }
        if plan.subRequests.count > 1 {
            let second = plan.subRequests[1].shard
            XCTAssertEqual(merge.accept(shard: second, items: [99], sums: [1], counts: [1]),
                           .invalid("item index 99 is outside the catalogue of 10"))
            XCTAssertEqual(merge.accept(shard: second, items: [1, 2], sums: [1], counts: [1]), .invalid("parallel arrays differ in length"))
        }
        let expectedCoverage = plan.weight(ofShard: first.shard) / plan.totalWeight
        XCTAssertEqual(merge.coverage, expectedCoverage, accuracy: 1e-9)
        let result = merge.finish(k: 5, excluding: [], reduction: .sum)
        XCTAssertEqual(result.missingShards, Array(plan.shards.dropFirst()))
        XCTAssertEqual(result.coverage, expectedCoverage, accuracy: 1e-9)
        XCTAssertEqual(result.items.map(\.index), [1])
        let empty = VoteMerge(plan: FanoutPlan(clusters: [], map: map), itemCount: 10)
        XCTAssertEqual(empty.coverage, 1)
        XCTAssertTrue(empty.isComplete)
    }
}

final class ReplicaSetTests: XCTestCase {
    func testLeastInFlightThenRoundRobin() {
        var set = ReplicaSet(replicas: [2, 1, 3])
        XCTAssertEqual(set.workers, [[0, 1], [2], [3, 4, 5]])
        XCTAssertEqual(set.shardOfWorker, [0, 0, 1, 2, 2, 2])
        XCTAssertEqual(set.choose(shard: 0), 0)
        XCTAssertEqual(set.choose(shard: 0), 1, "the idle sibling")
        set.finished(0)
        XCTAssertEqual(set.choose(shard: 0), 0, "the least loaded")
        XCTAssertEqual(set.choose(shard: 1), 2)
        XCTAssertEqual(set.choose(shard: 1), 2, "a single replica takes everything")
        XCTAssertEqual(set.choose(shard: 2, excluding: [3, 4]), 5)
        XCTAssertNil(set.choose(shard: 1, excluding: [2]))
        XCTAssertEqual(set.inFlight, [1, 1, 2, 0, 0, 1])
        set.finished(3) // nothing in flight there: stays at zero
        XCTAssertEqual(set.inFlight[3], 0)
        var spread = ReplicaSet(replicas: [3])
        var counts = [0, 0, 0]
        for _ in 0..<30 { let w = spread.choose(shard: 0)!; counts[w] += 1; spread.finished(w) }
        XCTAssertEqual(counts, [10, 10, 10], "idle replicas share the load round-robin")
    }
}

final class ReplicaHealthTests: XCTestCase {
    func testSilenceDeclaresDeadAndAnyFrameRevives() {
        var set = ReplicaSet(replicas: [2], now: 1_000)
        XCTAssertEqual(set.expireSilent(now: 1_300, timeout: 350), [])
        set.heard(0, now: 1_300)
        XCTAssertEqual(set.expireSilent(now: 1_400, timeout: 350), [1])
        XCTAssertEqual(set.alive, [true, false])
        XCTAssertEqual(set.expireSilent(now: 2_000, timeout: 350), [0], "each death is reported once")
        set.heard(1, now: 2_000)
        XCTAssertEqual(set.alive, [false, true])
    }

    func testChoiceAvoidsTheDeadPrefersLowLatencyAndFallsBackWhenAllAreDead() {
        var set = ReplicaSet(replicas: [3], now: 0)
        set.replied(0, micros: 900)
        set.replied(1, micros: 100)
        set.replied(2, micros: 300)
        XCTAssertEqual(set.choose(shard: 0), 1, "the fastest")
        XCTAssertEqual(set.choose(shard: 0), 1, "still the best while busy: 100 µs × (1 + 1) = 200 < 300 µs")
        XCTAssertEqual(set.choose(shard: 0), 2, "now 100 × 3 = 300 ties with 300 and the round-robin cursor decides")
        set.finished(1); set.finished(1); set.finished(2)
        set.markDead(1)
        XCTAssertEqual(set.choose(shard: 0), 2, "the dead one is skipped; 300 < 900")
        set.finished(2)
        set.markDead(0); set.markDead(2)
        set.heard(2, now: 50)
        set.markDead(2)
        XCTAssertEqual(set.choose(shard: 0), 2, "all dead: the one heard from last is tried")
        XCTAssertNil(set.choose(shard: 7), "an unknown shard has no replica")
    }

    func testLatencyIsAnExponentiallyWeightedMean() {
        var set = ReplicaSet(replicas: [1])
        set.replied(0, micros: 1_000)
        XCTAssertEqual(set.latency[0], 1_000)
        set.replied(0, micros: 2_000)
        XCTAssertEqual(set.latency[0], 1_000 + ReplicaSet.latencySmoothing * 1_000, accuracy: 1e-9)
    }

    func testHedgeBudgetStartsFullEarnsARatioAndNeverExceedsTheBurst() {
        var budget = HedgeBudget(ratio: 0.5, burst: 2)
        XCTAssertTrue(budget.spend()); XCTAssertTrue(budget.spend()); XCTAssertFalse(budget.spend())
        budget.earn()
        XCTAssertFalse(budget.spend())
        budget.earn()
        XCTAssertTrue(budget.spend())
        for _ in 0..<100 { budget.earn() }
        XCTAssertEqual(budget.tokens, 2)
        var none = HedgeBudget(ratio: 0, burst: 1)
        XCTAssertTrue(none.spend())
        for _ in 0..<100 { none.earn() }
        XCTAssertFalse(none.spend())
    }
}

final class QueueShedderTests: XCTestCase {
    func testAStandingQueueIsShedUntilEmpty() {
        var s = QueueShedder(target: 10_000)
        XCTAssertFalse(s.beginTurn(now: 0))
        s.endTurn(now: 100, stillQueued: true)            // a backlog starts
        XCTAssertFalse(s.beginTurn(now: 5_000))
        s.endTurn(now: 5_100, stillQueued: true)
        XCTAssertFalse(s.beginTurn(now: 10_100), "exactly the target: not yet")
        s.endTurn(now: 10_100, stillQueued: true)
        XCTAssertTrue(s.beginTurn(now: 10_101), "stood longer than the target")
        s.endTurn(now: 10_200, stillQueued: true)
        XCTAssertTrue(s.beginTurn(now: 10_300), "keeps refusing until the queue is empty")
        s.endTurn(now: 10_400, stillQueued: false)
        XCTAssertFalse(s.beginTurn(now: 10_500), "empty: admitting again")
        XCTAssertNil(s.backlogSince)
    }

    func testABusyQueueThatEmptiesInTimeIsNeverShed() {
        var s = QueueShedder(target: 10_000)
        var now: UInt64 = 0
        for turn in 0..<1_000 {
            XCTAssertFalse(s.beginTurn(now: now))
            // Frames keep arriving, but the queue is seen empty every third turn.
            s.endTurn(now: now + 50, stillQueued: turn % 3 != 2)
            now += 3_000
        }
    }
}
