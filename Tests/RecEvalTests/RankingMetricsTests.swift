import XCTest

@testable import RecEval

final class RankingMetricsTests: XCTestCase {
    func testKnownAnswers() {
        // Relevant {1, 3}; ranked hits at positions 1 and 3.
        let v = RankingMetrics.evaluate(ranked: [1, 2, 3, 4], relevant: [1, 3], k: 4)
        XCTAssertEqual(v.precision, 0.5, accuracy: 1e-12)
        XCTAssertEqual(v.recall, 1, accuracy: 1e-12)
        let dcg = 1 + 1 / log2(4.0)
        let ideal = 1 + 1 / log2(3.0)
        XCTAssertEqual(v.ndcg, dcg / ideal, accuracy: 1e-12)
    }

    func testRecallDenominatorIsMinOfKAndRelevant() {
        let v = RankingMetrics.evaluate(ranked: [1, 2], relevant: [1, 2, 3, 4, 5], k: 2)
        XCTAssertEqual(v.recall, 1, accuracy: 1e-12)
        XCTAssertEqual(v.ndcg, 1, accuracy: 1e-12)
    }

    func testEmptyAndShortRankings() {
        XCTAssertEqual(RankingMetrics.evaluate(ranked: [], relevant: [1], k: 10).ndcg, 0)
        XCTAssertEqual(RankingMetrics.evaluate(ranked: [1], relevant: [], k: 10).precision, 0)
        let short = RankingMetrics.evaluate(ranked: [1], relevant: [1], k: 10)
        XCTAssertEqual(short.precision, 0.1, accuracy: 1e-12, "precision divides by k even when fewer are returned")
        XCTAssertEqual(short.ndcg, 1, accuracy: 1e-12)
    }
}
