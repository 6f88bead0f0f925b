import XCTest

@testable import RecEval

/// Standard errors and the paired comparison printed next to the accuracy table.
final class EvaluationStatisticsTests: XCTestCase {
    func scores(_ name: String, ndcg: [Double], precision: [Double]) -> ModelScores {
        var s = ModelScores(
            model: name, relevanceThreshold: 4, users: ndcg.count, precision: [50: precision.reduce(0, +) / Double(precision.count)],
            recall: [:], ndcg: [10: ndcg.reduce(0, +) / Double(ndcg.count)], coverage: [10: 0.1],
            trainSeconds: 0, microsecondsPerUser: 0)
        s.firstNDCGPerUser = ndcg
        s.lastPrecisionPerUser = precision
        return s
    }

    func testStandardErrorAndPairedDifference() {
        let a = scores("a", ndcg: [0.5, 0.7, 0.9, 0.3], precision: [0.2, 0.4, 0.4, 0.2])
        let b = scores("b", ndcg: [0.4, 0.6, 0.9, 0.1], precision: [0.2, 0.2, 0.4, 0.2])
        // sample sd of [0.5, 0.7, 0.9, 0.3] is 0.2582; / √4
        XCTAssertEqual(a.ndcgStandardError, 0.2582 / 2, accuracy: 1e-4)
        let paired = a.pairedDifference(b, ndcg: true)!
        XCTAssertEqual(paired.mean, 0.1, accuracy: 1e-12)  // differences 0.1, 0.1, 0, 0.2
        XCTAssertEqual(paired.standardError, 0.0816 / 2, accuracy: 1e-4)
        XCTAssertEqual(a.pairedDifference(b, ndcg: false)!.mean, 0.05, accuracy: 1e-12)
        XCTAssertNil(a.pairedDifference(scores("c", ndcg: [0.1], precision: [0.1]), ndcg: true), "different users cannot be paired")
        let report = EvaluationReport(
            dataset: "d", trainUsers: 1, testUsers: 4, items: 10, seed: 1, protocolName: "p",
            cutoffs: [10, 50], scores: [a, b])
        let table = report.table()
        XCTAssertTrue(table.contains("±SE"), table)
        XCTAssertTrue(table.contains("a − b"), table)
        XCTAssertTrue(table.contains("NDCG@10 +0.1000 ± 0.0408"), table)
    }
}
