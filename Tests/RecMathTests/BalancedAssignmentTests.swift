import XCTest

@testable import RecMath

final class BalancedAssignmentTests: XCTestCase {
    /// n rows × k columns of seeded noise in [0, 1), plus `lift` on the first `crowded` columns.
    private func scores(rows n: Int, cols k: Int, crowded: Int, lift: Float, seed: UInt64) -> Matrix {
        var rng = SeededRandom(seed: seed)
        var m = Matrix(rows: n, cols: k)
        for u in 0..<n {
            for c in 0..<k { m.values[u * k + c] = rng.unit() + (c < crowded ? lift : 0) }
        }
        return m
    }

    func testACollapsedAssignmentIsSpreadOverEveryColumn() {
        for seed: UInt64 in [1, 2, 3] {
            let m = scores(rows: 2000, cols: 20, crowded: 2, lift: 10, seed: seed)
            let before = BalancedAssignment.counts(scores: m, offsets: [], top: 2)
            XCTAssertEqual(before[0], 2000, "every row picks the two lifted columns")
            XCTAssertEqual(before[1], 2000)
            let b = BalancedAssignment.offsets(scores: m, top: 2, threads: 2)
            let after = BalancedAssignment.counts(scores: m, offsets: b, top: 2)
            XCTAssertEqual(after.reduce(0, +), 4000, "each row still picks exactly two columns")
            for (c, count) in after.enumerated() {
                XCTAssert((160...240).contains(count), "seed \(seed): column \(c) is picked by \(count) rows (target 200)")
            }
            XCTAssertGreaterThan(b[0], 5, "the crowded columns are pushed down by about their lift")
        }
    }

    func testTheOffsetsDependOnlyOnTheScoresNotOnThreads() {
        let m = scores(rows: 1000, cols: 30, crowded: 3, lift: 2, seed: 7)
        XCTAssertEqual(BalancedAssignment.offsets(scores: m, top: 3, threads: 1), BalancedAssignment.offsets(scores: m, top: 3, threads: 2))
    }

    func testNothingToBalanceGivesZeroOffsets() {
        let m = scores(rows: 10, cols: 3, crowded: 1, lift: 1, seed: 1)
        XCTAssertEqual(BalancedAssignment.offsets(scores: m, top: 3), [0, 0, 0], "K = C: every row picks every column")
        XCTAssertEqual(BalancedAssignment.offsets(scores: Matrix(rows: 0, cols: 4), top: 1), [0, 0, 0, 0])
    }

    func testNonFiniteScoresDoNotStallIt() {
        var m = scores(rows: 200, cols: 10, crowded: 1, lift: 3, seed: 4)
        m.values[5] = .nan
        m.values[17] = -.infinity
        m.values[33] = .infinity
        let b = BalancedAssignment.offsets(scores: m, top: 2, iterations: 10)
        XCTAssertEqual(b.count, 10)
        let counts = BalancedAssignment.counts(scores: m, offsets: b, top: 2)
        XCTAssertEqual(counts.reduce(0, +), 400)
    }

    func testSelectionFindsTheRankedValueWithDuplicates() {
        var rng = SeededRandom(seed: 9)
        for trial in 0..<200 {
            let n = 1 + trial % 37
            var values = (0..<n).map { _ in Float(rng.below(6)) }
            let sorted = values.sorted(by: >)
            let rank = 1 + trial % n
            let found = values.withUnsafeMutableBufferPointer { BalancedAssignment.largest(rank, of: $0) }
            XCTAssertEqual(found, sorted[rank - 1], "trial \(trial): rank \(rank) of \(sorted)")
        }
    }
}
