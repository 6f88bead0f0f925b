import RecMath
import RecVote
import XCTest

@testable import RecVote

final class VoteAccumulatorTests: XCTestCase {
    /// The reference kernel the fast fixed-point conversion must equal bit for bit.
    private func referenceFixedPoint(weight: Float, score: Float) -> Int64 {
        let v = Double(weight) * Double(score)
        guard v.isFinite else { return 0 }
        let clamped = min(max(v, -VoteAccumulator.contributionLimit), VoteAccumulator.contributionLimit)
        return Int64((clamped * VoteAccumulator.fixedPointScale).rounded(.toNearestOrEven))
    }

    func testFixedPointMatchesReferenceRounding() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<200_000 {
            let w = Float(rng.unit()), s = Float(rng.unit() * 4 - 2)
            XCTAssertEqual(VoteAccumulator.fixedPoint(weight: w, score: s), referenceFixedPoint(weight: w, score: s))
        }
        // Exact halves (ties go to even), huge and clamped values, signs, zero, non-finite.
        let halves: [Float] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5].map { Float(Double($0) / VoteAccumulator.fixedPointScale) }
        let edges: [Float] =
            halves + [
                0, -0, 1, -1, 1e-12, -1e-12, 1e6, -1e6, 3e5, 5e6, 1.6e7, -1.7e7, 1e30, -1e30, .nan, .infinity, -.infinity,
                .leastNonzeroMagnitude, .greatestFiniteMagnitude
            ]
        for s in edges {
            for w: Float in [1, 0.999, 0.5, -1, 1e-3] {
                XCTAssertEqual(VoteAccumulator.fixedPoint(weight: w, score: s), referenceFixedPoint(weight: w, score: s), "w \(w) s \(s)")
            }
        }
    }

    func testBulkAddsEqualOneByOneAndSkipMarkedItems() {
        let items: [Int32] = [3, 1, 3, 7, 0, 9]
        let scores: [Float] = [0.5, 0.25, 1, 0.125, 2, 3]
        var skip = [Bool](repeating: false, count: 10)
        skip[7] = true
        var bulk = VoteAccumulator(itemCount: 10), single = VoteAccumulator(itemCount: 10)
        items.withUnsafeBufferPointer { i in
            scores.withUnsafeBufferPointer { s in skip.withUnsafeBufferPointer { bulk.addShortlist(items: i, scores: s, weight: 0.75, skip: $0) } }
        }
        for (i, s) in zip(items, scores) where !skip[Int(i)] {
            single.add(item: Int(i), sum: VoteAccumulator.fixedPoint(weight: 0.75, score: s), count: 1)
        }
        XCTAssertEqual(bulk.partials().map(\.item), [3, 1, 0, 9])
        XCTAssertEqual(bulk.partials().map(\.sum), single.partials().map(\.sum))
        XCTAssertEqual(bulk.top(k: 10, excluding: [], reduction: .sum).map(\.index), single.top(k: 10, excluding: [], reduction: .sum).map(\.index))
    }

    func testEveryItemTouchedThenRepeatedKeepsEachItemOnce() {
        // The whole catalogue touched, then repeats: the bookkeeping's spare slot absorbs the
        // speculative write, and every item is listed once, in first-touch order.
        let items: [Int32] = [2, 0, 1, 1, 2, 0, 0]
        let scores = [Float](repeating: 1, count: items.count)
        let none = [Bool](repeating: false, count: 3)
        var a = VoteAccumulator(itemCount: 3)
        for _ in 0..<3 {
            items.withUnsafeBufferPointer { i in
                scores.withUnsafeBufferPointer { s in none.withUnsafeBufferPointer { a.addShortlist(items: i, scores: s, weight: 1, skip: $0) } }
            }
        }
        XCTAssertEqual(a.partials().map(\.item), [2, 0, 1])
        XCTAssertEqual(a.partials().map(\.count), [6, 9, 6])
        a.reset()
        for i in [1, 1, 0, 2, 2] { a.add(item: i, sum: 1, count: 1) }
        XCTAssertEqual(a.partials().map(\.item), [1, 0, 2])
        XCTAssertEqual(a.partials().map(\.sum), [2, 1, 2])
    }

    func testZeroCountsAndCancellingSumsNeverDuplicateItems() {
        var a = VoteAccumulator(itemCount: 4)
        for (i, sum, count) in [(2, Int64(5), Int32(0)), (2, -5, 0), (2, 7, 0), (1, 3, 2)] { a.add(item: i, sum: sum, count: count) }
        XCTAssertEqual(a.touchedItems, 2)
        XCTAssertEqual(a.partials().map(\.item), [2, 1])
        XCTAssertEqual(a.partials().map(\.sum), [7, 3])
        XCTAssertEqual(a.partials().map(\.count), [0, 2])
        a.reset()
        XCTAssertEqual(a.touchedItems, 0)
        XCTAssertTrue(a.top(k: 5, excluding: [], reduction: .sum).isEmpty)
    }

    func testTopIsBestFirstWithIndexTieBreakAndExclusions() {
        var a = VoteAccumulator(itemCount: 100)
        var rng = SeededRandom(seed: 3)
        var expected: [(Int, Int64)] = []
        for i in 0..<100 {
            let sum = Int64(rng.below(20)) << 32  // many ties
            a.add(item: i, sum: sum, count: 1)
            if i % 3 != 0 { expected.append((i, sum)) }
        }
        expected.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        let top = a.top(k: 17, excluding: Array(stride(from: 0, to: 100, by: 3)), reduction: .sum)
        XCTAssertEqual(top.map(\.index), expected.prefix(17).map(\.0))
    }
}
