import RecEval
import XCTest

final class BeyondAccuracyMetricsTests: XCTestCase {
    func testRanksFollowCountsWithTiesByIndex() {
        XCTAssertEqual(BeyondAccuracyMetrics.ranks(counts: [3, 9, 3, 0, 9]), [3, 1, 4, 5, 2])
    }

    func testMeanPopularityRankOfAList() {
        let m = BeyondAccuracyMetrics(popularityRank: [3, 1, 4, 5, 2], genres: Array(repeating: [], count: 5))
        XCTAssertEqual(m.meanPopularityRank([1, 4]), 1.5)
        XCTAssertEqual(m.meanPopularityRank([0, 2, 3]), 4)
        XCTAssertNil(m.meanPopularityRank([]))
        XCTAssertEqual(m.meanPopularityRank([9, 1]), 1, "items outside the catalogue are left out")
    }

    func testIntraListDiversityIsOneMinusMeanJaccard() {
        // genres: 0 = {a}, 1 = {a}, 2 = {b}, 3 = {a, b}, 4 = none
        let m = BeyondAccuracyMetrics(popularityRank: [1, 2, 3, 4, 5], genres: [[0], [0], [1], [1, 0], []])
        XCTAssertEqual(m.intraListDiversity([0, 1]), 0)
        XCTAssertEqual(m.intraListDiversity([0, 2]), 1)
        XCTAssertEqual(m.intraListDiversity([0, 3])!, 0.5, accuracy: 1e-12)
        // pairs (0,1)=0, (0,2)=1, (1,2)=1 → 2/3
        XCTAssertEqual(m.intraListDiversity([0, 1, 2])!, 2.0 / 3.0, accuracy: 1e-12)
        // an item without genres against one with genres shares none of them
        XCTAssertEqual(m.intraListDiversity([0, 4]), 1)
        XCTAssertNil(BeyondAccuracyMetrics(popularityRank: [1, 2], genres: [[], []]).intraListDiversity([0, 1]))
        XCTAssertNil(m.intraListDiversity([2]))
    }

    func testSummaryAveragesOverListsAtTheCutoff() {
        let m = BeyondAccuracyMetrics(popularityRank: [1, 2, 3, 4], genres: [[0], [1], [0], [1]])
        let s = m.summarize([[0, 1, 3], [2, 0, 1]], k: 2)
        XCTAssertEqual(s.popularityRank!, (1.5 + 2) / 2, accuracy: 1e-12)
        XCTAssertEqual(s.diversity!, (1 + 0) / 2, accuracy: 1e-12)
    }
}
