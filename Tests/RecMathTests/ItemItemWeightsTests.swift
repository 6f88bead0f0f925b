import XCTest

@testable import RecMath

final class ItemItemWeightsTests: XCTestCase {
    func testRowsKeepTheirStrongestWeightsByMagnitudeSortedByTarget() {
        let w = ItemItemWeights(rows: [[(3, 0.1), (1, -0.9), (2, 0.5), (0, 0)], [], [(0, 0.2), (1, 0.2), (3, 0.2)]], keep: 2)
        XCTAssertEqual(w.offsets, [0, 2, 2, 4])
        XCTAssertEqual(w.targets, [1, 2, 0, 1], "row 0 keeps -0.9 and 0.5 (zero weights are dropped); row 2's ties keep the lower targets")
        XCTAssertEqual(w.weights, [-0.9, 0.5, 0.2, 0.2])
        XCTAssertNil(w.validationError(itemCount: 3))
        XCTAssertEqual(w.widestRow, 2)
    }

    func testScoresSumTheHistorysRows() {
        let w = ItemItemWeights(rows: [[(1, 1), (2, -0.5)], [(0, 2), (2, 0.25)], [(0, 1)]], keep: 10)
        XCTAssertEqual(w.scores(history: [0, 1], itemCount: 3), [2, 1, -0.25])
        XCTAssertEqual(w.scores(history: [], itemCount: 3), [0, 0, 0])
        XCTAssertEqual(w.scores(history: [7, -1], itemCount: 3), [0, 0, 0], "indices outside the rows are ignored")
    }

    func testValidationCatchesEveryMalformedShape() {
        let good = ItemItemWeights(rows: [[(1, 1)], [(0, 2)]], keep: 4)
        XCTAssertNil(good.validationError(itemCount: 2))
        XCTAssertNotNil(good.validationError(itemCount: 3), "row count")
        XCTAssertNotNil(ItemItemWeights(offsets: [0, 2, 1], targets: [1, 0], weights: [1, 1]).validationError(itemCount: 2), "descending offsets")
        XCTAssertNotNil(ItemItemWeights(offsets: [0, 1, 2], targets: [1, 5], weights: [1, 1]).validationError(itemCount: 2), "target out of range")
        XCTAssertNotNil(ItemItemWeights(offsets: [0, 2, 2], targets: [1, 1], weights: [1, 1]).validationError(itemCount: 2), "repeated target")
        XCTAssertNotNil(ItemItemWeights(offsets: [0, 1, 2], targets: [1, 0], weights: [.nan, 1]).validationError(itemCount: 2), "NaN")
        XCTAssertNotNil(ItemItemWeights(offsets: [0, 1, 2], targets: [1, 0], weights: [1]).validationError(itemCount: 2), "lengths")
    }

    func testPaddingAndCuttingKeepTheRows() {
        let w = ItemItemWeights(rows: [[(1, 1), (2, -3)], [(0, 2)], []], keep: 4)
        let padded = w.padded(to: 5)
        XCTAssertEqual(padded.rowCount, 5)
        XCTAssertNil(padded.validationError(itemCount: 5))
        XCTAssertEqual(padded.scores(history: [0, 1, 3, 4], itemCount: 5), [2, 1, -3, 0, 0])
        let cut = w.keepingStrongest(1)
        XCTAssertEqual(cut.targets, [2, 0])
        XCTAssertEqual(cut.weights, [-3, 2])
    }
}
