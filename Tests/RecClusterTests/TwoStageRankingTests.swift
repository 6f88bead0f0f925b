import XCTest
import RecCluster
import RecMath

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
        XCTAssertEqual(votes.topTwoStage(k: 4, excluding: [], reduction: .sum, itemModel: model, history: [0], voteWeight: 0).map(\.index),
                       [2, 1, 5, 3], "5 (score 0) before 3 (negative)")
        for (item, vote) in [(1, 0.8), (2, 0.4), (3, 0.2), (5, 0.4)] as [(Int, Float)] {
            votes.add(item: item, sum: VoteAccumulator.fixedPoint(weight: 1, score: vote), count: 1)
        }
        XCTAssertEqual(votes.topTwoStage(k: 4, excluding: [], reduction: .sum, itemModel: model, history: [3], voteWeight: 1).map(\.index),
                       [1, 2, 5, 3], "equal votes: lower index first")
    }

    /// Against a plain reference over random pools, histories and weights: the same items, the
    /// same scores, and nothing left behind between calls.
    func testEqualsAReferenceOnRandomPools() {
        var rng = SeededRandom(seed: 11)
        let n = 300
        let rows = (0..<n).map { _ in (0..<rng.below(40)).map { _ in (target: rng.below(n), weight: rng.uniform(-1, 1)) } }
        let deduplicated = rows.map { row in Dictionary(row.map { ($0.target, $0.weight) }, uniquingKeysWith: { a, _ in a }).map { ($0.key, $0.value) } }
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
            let vote = { (i: Int) -> Float in VoteAccumulator.score(sum: VoteAccumulator.fixedPoint(weight: 1, score: pool[i]!), count: 1, reduction: .sum) }
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
}
