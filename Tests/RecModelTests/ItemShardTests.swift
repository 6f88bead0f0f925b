import RecData
import RecMath
import RecTestSupport
import RecVote
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// Item-partitioned shards: each holds every cluster's shortlist cut to its items and the item–item
/// weights into them, scores its own candidates completely, and the merge of the shards' top-k
/// lists equals the whole model's answer — items, scores and order — for any partition (by index,
/// random, or `ItemPartition` balanced by `ItemShard.itemLoads`).
final class ItemShardTests: XCTestCase {
    /// The serving fixture with a random item–item model (each item → 12 random targets, weights of
    /// both signs) ranking two-stage with the bounded blend.
    static func model(seed: UInt64, voteWeight: Float, blendScale: ModelConfiguration.BlendScale = .bound) -> RecommenderModel {
        let base = HandBuiltModel.serving(seed: seed)
        var rng = SeededRandom(seed: seed &+ 100)
        var rows: [Int: [(target: Int, weight: Float)]] = [:]
        for j in 0..<base.items.count {
            let targets = Set((0..<12).map { _ in rng.below(base.items.count) }).subtracting([j])
            rows[j] = targets.sorted().map { (target: $0, weight: rng.uniform(-0.5, 1)) }
        }
        return HandBuiltModel.twoStage(base, rows: rows, voteWeight: voteWeight, blendScale: blendScale)
    }

    static func randomHistory(_ rng: inout SeededRandom, itemCount: Int) -> UserHistory {
        let items = Array(Set((0..<(1 + rng.below(12))).map { _ in rng.below(itemCount) }))
        return UserHistory(items: items, ratings: items.map { _ in Float(1 + rng.below(5)) })
    }

    func testShardsAnswerExactlyAsTheWholeModel() throws {
        for seed in 1...3 as ClosedRange<UInt64> {
            for (ranking, beta) in [(ModelConfiguration.Ranking.twoStage, Float(0.25)), (.twoStage, 1), (.vote, 1)] {
                let model = Self.model(seed: seed, voteWeight: beta).withRanking(ranking)
                XCTAssertTrue(ItemShard.isExact(for: model))
                let n = model.items.count
                var rng = SeededRandom(seed: seed &* 7)
                for m in [1, 2, 3, 5, 7] {
                    let randomOwner = (0..<n).map { _ in rng.below(m) }
                    let balanced = try ItemPartition(shardCount: m, itemLoads: ItemShard.itemLoads(model)).owners.map(Int.init)
                    for owner in [(0..<n).map { $0 % m }, randomOwner, balanced] {
                        let shards = (0..<m).map { s in ItemShard(model, owns: { owner[$0] == s }) }
                        XCTAssertEqual(shards.map(\.entryCount).reduce(0, +), model.shortlists.items.count, "every entry on one shard")
                        var votes = (0..<m).map { _ in VoteAccumulator(itemCount: n) }
                        var whole = model.makeVote()
                        for round in 0..<40 {
                            let history = Self.randomHistory(&rng, itemCount: n)
                            let k = 1 + rng.below(15)
                            let offline = model.recommend(history: history, attributes: [], k: k, vote: &whole)
                            let voted = Array(offline.items.prefix(offline.items.count - offline.filledFromPopularity))
                            let request = ItemShard.Request(model.prepare(history: history, attributes: []), model: model, k: k)
                            let merged = TopKMerge.top(k: k, of: (0..<m).map { shards[$0].score(request, votes: &votes[$0]) })
                            let context = "seed \(seed), \(ranking), β \(beta), \(m) shards, round \(round)"
                            XCTAssertEqual(merged.map(\.index), voted.map(\.index), context)
                            XCTAssertEqual(merged.map(\.score), voted.map(\.score), context)
                            for s in 0..<m { XCTAssertEqual(votes[s].touchedItems, 0, context) }
                        }
                    }
                }
            }
        }
    }

    /// The load an item brings: its shortlist entries, its item–item weights, and one.
    func testItemLoadsCountEntriesAndWeights() {
        let model = Self.model(seed: 3, voteWeight: 1)
        let loads = ItemShard.itemLoads(model)
        XCTAssertEqual(loads.reduce(0, +), model.items.count + model.shortlists.items.count + model.itemModel!.entryCount)
        let item = Int(model.shortlists.items[0])
        XCTAssertEqual(
            loads[item],
            1 + model.shortlists.items.filter { Int($0) == item }.count
                + model.itemModel!.targets.filter { Int($0) == item }.count)
    }

    /// The pool maxima need the whole pool: shards of such a model are not exact, and say so.
    func testThePoolMaximaAreNotExactOnShards() {
        let model = Self.model(seed: 1, voteWeight: 1, blendScale: .poolMaximum)
        XCTAssertFalse(ItemShard.isExact(for: model))
        XCTAssertTrue(ItemShard.isExact(for: model.withRanking(.vote)))
    }

    /// A shard holds only its items: its lists and item–item targets name nothing else, and a
    /// shard that owns nothing answers nothing.
    func testAShardHoldsOnlyItsItems() {
        let model = Self.model(seed: 2, voteWeight: 0.5)
        let n = model.items.count
        let shard = ItemShard(model, owns: { $0 % 3 == 1 })
        XCTAssertTrue(shard.shortlists.items.allSatisfy { Int($0) % 3 == 1 })
        XCTAssertTrue(shard.itemModel!.targets.allSatisfy { Int($0) % 3 == 1 })
        XCTAssertEqual(shard.itemModel!.rowCount, n, "every history row, cut to the shard's targets")
        for c in 0..<shard.shortlists.clusterCount {
            let scores = shard.shortlists.entries(c).map(\.score)
            XCTAssertEqual(scores, scores.sorted(by: >), "lists stay best first")
        }
        let empty = ItemShard(model, owns: { _ in false })
        var votes = VoteAccumulator(itemCount: n)
        let request = ItemShard.Request(model.prepare(history: UserHistory(items: [0, 5], ratings: [5, 4]), attributes: []), model: model, k: 5)
        XCTAssertTrue(empty.score(request, votes: &votes).isEmpty)
        XCTAssertEqual(votes.touchedItems, 0)
    }
}
