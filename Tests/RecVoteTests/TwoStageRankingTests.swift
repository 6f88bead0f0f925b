import RecMath
import RecVote
import XCTest

final class TwoStageRankingTests: XCTestCase {
    /// A worked example. Pool: items 1, 2, 3, 5 (item 0 is the history, excluded; item 4 is not
    /// voted for). Votes (sum): 1 → 0.8, 2 → 0.4, 3 → 0.2, 5 → 0.4. Item–item scores of history
    /// {0}: B[0, ·] = 1 → 0.1, 2 → 0.5, 3 → -0.25, 4 → 2 (outside the pool: ignored), 5 → 0.
    /// max|ii| = 0.5 and max|vote| = 0.8, so with β = 0.5:
    ///     1: 0.2 + 0.5 = 0.7    2: 1 + 0.25 = 1.25    3: -0.5 + 0.125 = -0.375    5: 0 + 0.25 = 0.25
    func testAWorkedExample() {
        let model = ItemItemWeights(rows: [[(1, 0.1), (2, 0.5), (3, -0.25), (4, 2)], [], [], [], [], []], keep: 10)
        var votes = VoteAccumulator(itemCount: 6)
        for (item, vote) in [(0, 0.9), (1, 0.8), (2, 0.4), (3, 0.2), (5, 0.4)] as [(Int, Float)] {
            votes.add(item: item, sum: VoteAccumulator.fixedPoint(weight: 1, score: vote), count: 1)
        }
        let top = votes.topTwoStage(k: 3, excluding: [0], reduction: .sum, itemModel: model, history: [0], voteWeight: 0.5)
        XCTAssertEqual(top.map(\.index), [2, 1, 5])
        XCTAssertEqual(top[0].score, 1.25, accuracy: 1e-6)
        XCTAssertEqual(top[1].score, 0.7, accuracy: 1e-6)
        XCTAssertEqual(top[2].score, 0.25, accuracy: 1e-6)
        XCTAssertEqual(votes.touchedItems, 0, "the accumulator is left empty")
        // β = 0 ranks by the item–item score alone; a history without rows ranks by the vote.
        for (item, vote) in [(1, 0.8), (2, 0.4), (3, 0.2), (5, 0.4)] as [(Int, Float)] {
            votes.add(item: item, sum: VoteAccumulator.fixedPoint(weight: 1, score: vote), count: 1)
        }
        XCTAssertEqual(
            votes.topTwoStage(k: 4, excluding: [], reduction: .sum, itemModel: model, history: [0], voteWeight: 0).map(\.index),
            [2, 1, 5, 3], "5 (score 0) before 3 (negative)")
        for (item, vote) in [(1, 0.8), (2, 0.4), (3, 0.2), (5, 0.4)] as [(Int, Float)] {
            votes.add(item: item, sum: VoteAccumulator.fixedPoint(weight: 1, score: vote), count: 1)
        }
        XCTAssertEqual(
            votes.topTwoStage(k: 4, excluding: [], reduction: .sum, itemModel: model, history: [3], voteWeight: 1).map(\.index),
            [1, 2, 5, 3], "equal votes: lower index first")
    }

    /// Against a plain reference over random pools, histories and weights: the same items, the
    /// same scores, and nothing left behind between calls.
    func testEqualsAReferenceOnRandomPools() {
        var rng = SeededRandom(seed: 11)
        let n = 300
        let rows = (0..<n).map { _ in (0..<rng.below(40)).map { _ in (target: rng.below(n), weight: rng.uniform(-1, 1)) } }
        let deduplicated = rows.map { row in
            Dictionary(row.map { ($0.target, $0.weight) }, uniquingKeysWith: { a, _ in a }).map { ($0.key, $0.value) }
        }
        let model = ItemItemWeights(rows: deduplicated, keep: 30)
        var votes = VoteAccumulator(itemCount: n)
        for round in 0..<200 {
            var pool: [Int: Float] = [:]
            for _ in 0..<rng.below(120) { pool[rng.below(n), default: 0] += rng.unit() }
            let history = Array(Set((0..<rng.below(15)).map { _ in rng.below(n) })).sorted()
            let excluded = history
            let beta = [0, 0.5, 2][round % 3] as Float
            for (i, v) in pool.sorted(by: { $0.key < $1.key }) { votes.add(item: i, sum: VoteAccumulator.fixedPoint(weight: 1, score: v), count: 1) }
            let got = votes.topTwoStage(k: 10, excluding: excluded, reduction: .sum, itemModel: model, history: history, voteWeight: beta)
            // Reference: the full catalogue's item–item scores, restricted to the pool.
            let ii = model.scores(history: history, itemCount: n)
            let candidates = pool.keys.filter { !excluded.contains($0) }
            let vote = { (i: Int) -> Float in
                VoteAccumulator.score(sum: VoteAccumulator.fixedPoint(weight: 1, score: pool[i]!), count: 1, reduction: .sum)
            }
            let maxII = candidates.map { abs(ii[$0]) }.max() ?? 0, maxVote = candidates.map { abs(vote($0)) }.max() ?? 0
            var heap = TopK.BoundedHeap(k: 10)
            for i in candidates {
                heap.offer((i, ii[i] * (maxII > 0 ? 1 / maxII : 0) + vote(i) * (maxVote > 0 ? beta / maxVote : 0)))
            }
            let expected = heap.sorted()
            XCTAssertEqual(got.map(\.index), expected.map(\.index), "round \(round)")
            for (a, b) in zip(got, expected) { XCTAssertEqual(a.score, b.score, accuracy: 1e-5, "round \(round)") }
            XCTAssertEqual(votes.touchedItems, 0)
        }
    }

    /// With bounds each term is divided by its bound, not its pool maximum. Row 0 of B: 1 → 0.5,
    /// 3 → -0.25, 4 → 2 (outside the pool); votes 1 → 0.5, 2 → 1, 3 → 0.5, 5 → 0.25; bounds (vote 2,
    /// item–item 4), β = 0.5 — every value a power of two, so the ties are exact:
    ///     1: 0.125 + 0.125 = 0.25   2: 0 + 0.25 = 0.25   3: -0.0625 + 0.125 = 0.0625   5: 0 + 0.0625
    /// and a zero or non-finite bound counts its term 0.
    func testBoundsReplaceThePoolMaxima() {
        let model = ItemItemWeights(rows: [[(1, 0.5), (3, -0.25), (4, 2)], [], [], [], [], []], keep: 10)
        var votes = VoteAccumulator(itemCount: 6)
        func vote() {
            for (item, vote) in [(1, 0.5), (2, 1), (3, 0.5), (5, 0.25)] as [(Int, Float)] {
                votes.add(item: item, sum: VoteAccumulator.fixedPoint(weight: 1, score: vote), count: 1)
            }
        }
        vote()
        let top = votes.topTwoStage(k: 4, excluding: [], reduction: .sum, itemModel: model, history: [0], voteWeight: 0.5, bounds: (2, 4))
        XCTAssertEqual(top.map(\.index), [1, 2, 3, 5], "two exact ties: lower index first")
        XCTAssertEqual(top.map(\.score), [0.25, 0.25, 0.0625, 0.0625])
        vote()
        XCTAssertEqual(
            votes.topTwoStage(
                k: 4, excluding: [], reduction: .sum, itemModel: model, history: [0], voteWeight: 0.5,
                bounds: (0, .infinity)
            ).map(\.score), [0, 0, 0, 0], "both terms count 0")
        XCTAssertEqual(votes.touchedItems, 0)
    }

    /// Bounds make the ranking decomposable: the pool split over shards by item, each part ranked
    /// on its own with the same bounds, and the parts' top k merged, gives the whole pool's top k
    /// — scores bit for bit, ties by item index. (The pool maximum cannot: it needs every part.)
    func testWithBoundsAnItemPartitionedPoolRanksAsTheWhole() {
        var rng = SeededRandom(seed: 5)
        let n = 400
        let rows = (0..<n).map { _ in
            Dictionary((0..<rng.below(50)).map { _ in (rng.below(n), rng.uniform(-1, 1)) }, uniquingKeysWith: { a, _ in a }).map {
                ($0.key, $0.value)
            }
        }
        let model = ItemItemWeights(rows: rows, keep: 40)
        var whole = VoteAccumulator(itemCount: n)
        var parts = (0..<3).map { _ in VoteAccumulator(itemCount: n) }
        for round in 0..<100 {
            var pool: [Int: Float] = [:]
            for _ in 0..<rng.below(150) { pool[rng.below(n), default: 0] += rng.unit() }
            let history = Array(Set((0..<rng.below(20)).map { _ in rng.below(n) })).sorted()
            let bounds = (vote: Float(rng.unit() * 3), itemItem: Float(rng.unit() * 5))
            let shards = 1 + round % 3
            for (i, v) in pool.sorted(by: { $0.key < $1.key }) {
                let sum = VoteAccumulator.fixedPoint(weight: 1, score: v)
                whole.add(item: i, sum: sum, count: 1)
                parts[i % shards].add(item: i, sum: sum, count: 1)
            }
            let k = 1 + rng.below(12)
            let expected = whole.topTwoStage(
                k: k, excluding: history, reduction: .sum, itemModel: model, history: history,
                voteWeight: 0.5, bounds: bounds)
            var merged = TopK.BoundedHeap(k: k)
            for s in 0..<shards {
                for entry in parts[s].topTwoStage(
                    k: k, excluding: history, reduction: .sum, itemModel: model, history: history,
                    voteWeight: 0.5, bounds: bounds)
                { merged.offer(entry) }
            }
            let got = merged.sorted()
            XCTAssertEqual(got.map(\.index), expected.map(\.index), "round \(round)")
            XCTAssertEqual(got.map(\.score), expected.map(\.score), "round \(round)")
        }
    }

    /// Rows that name items beyond the accumulator's catalogue (or negative ones) take the checked
    /// path: those entries are ignored, the rest score as usual.
    func testTargetsOutsideTheCatalogueAreIgnored() {
        let wide = ItemItemWeights(offsets: [0, 3, 3, 3, 3], targets: [1, 2, 9], weights: [0.5, 0.25, 4])
        XCTAssertEqual(wide.targetLimit, 10)
        let negative = ItemItemWeights(offsets: [0, 2, 2, 2, 2], targets: [-3, 2], weights: [4, 0.25])
        XCTAssertEqual(negative.targetLimit, Int.max)
        XCTAssertEqual(ItemItemWeights(offsets: [0], targets: [], weights: []).targetLimit, 0)
        for model in [wide, negative] {
            var votes = VoteAccumulator(itemCount: 4)
            for item in [1, 2] { votes.add(item: item, sum: VoteAccumulator.fixedPoint(weight: 1, score: 1), count: 1) }
            let top = votes.topTwoStage(k: 2, excluding: [0], reduction: .sum, itemModel: model, history: [0], voteWeight: 0)
            XCTAssertEqual(top.map(\.index), model.targets.contains(1) ? [1, 2] : [2, 1])
            XCTAssertEqual(top[0].score, 1, accuracy: 1e-6, "the in-catalogue maximum scales the term")
        }
    }
}
