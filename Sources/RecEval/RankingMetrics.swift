import Foundation

/// Per-user ranking metrics at a cutoff k: precision, recall with denominator
/// min(k, #relevant), and NDCG with binary gains.
public enum RankingMetrics {
    public struct Values: Equatable, Sendable {
        public var precision: Double
        public var recall: Double
        public var ndcg: Double
    }

    public static func evaluate(ranked: [Int], relevant: Set<Int>, k: Int) -> Values {
        guard k > 0, !relevant.isEmpty else { return Values(precision: 0, recall: 0, ndcg: 0) }
        var hits = 0
        var dcg = 0.0
        for (rank, item) in ranked.prefix(k).enumerated() where relevant.contains(item) {
            hits += 1
            dcg += 1 / log2(Double(rank + 2))
        }
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        return Values(
            precision: Double(hits) / Double(k),
            recall: Double(hits) / Double(min(k, relevant.count)),
            ndcg: dcg / ideal)
    }
}
