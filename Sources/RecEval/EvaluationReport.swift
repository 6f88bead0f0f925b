import Foundation

/// The averaged results of one model under one relevance threshold.
public struct ModelScores: Codable, Sendable {
    public var model: String
    public var relevanceThreshold: Float
    public var users: Int
    /// Keyed by cutoff (10, 20, 50).
    public var precision: [Int: Double]
    public var recall: [Int: Double]
    public var ndcg: [Int: Double]
    /// Fraction of the catalogue that appears in somebody's top k.
    public var coverage: [Int: Double]
    /// At the first cutoff, over every test user's list: the mean popularity rank of the recommended
    /// items (higher = less popular) and the intra-list genre diversity (nil without genres).
    public var meanPopularityRank: Double?
    public var intraListDiversity: Double?
    public var trainSeconds: Double
    public var microsecondsPerUser: Double
    /// Per scored user (in test-case order, the same users for every model under a threshold):
    /// NDCG@first cutoff and P@last cutoff, for standard errors and paired comparisons.
    public var firstNDCGPerUser: [Double] = []
    public var lastPrecisionPerUser: [Double] = []

    /// Standard error of the mean NDCG at the first cutoff.
    public var ndcgStandardError: Double { Self.standardError(firstNDCGPerUser) }

    static func standardError(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (variance / Double(values.count)).squareRoot()
    }

    /// Mean and standard error of the per-user difference self − other (a paired comparison).
    public func pairedDifference(_ other: ModelScores, ndcg: Bool) -> (mean: Double, standardError: Double)? {
        let a = ndcg ? firstNDCGPerUser : lastPrecisionPerUser, b = ndcg ? other.firstNDCGPerUser : other.lastPrecisionPerUser
        guard a.count == b.count, !a.isEmpty else { return nil }
        let d = zip(a, b).map { $0 - $1 }
        return (d.reduce(0, +) / Double(d.count), Self.standardError(d))
    }
}

public struct EvaluationReport: Codable, Sendable {
    public var dataset: String
    public var trainUsers: Int
    public var testUsers: Int
    public var items: Int
    public var seed: UInt64
    public var protocolName: String
    public var cutoffs: [Int]
    public var scores: [ModelScores]

    public init(
        dataset: String, trainUsers: Int, testUsers: Int, items: Int, seed: UInt64, protocolName: String,
        cutoffs: [Int], scores: [ModelScores]
    ) {
        self.dataset = dataset
        self.trainUsers = trainUsers
        self.testUsers = testUsers
        self.items = items
        self.seed = seed
        self.protocolName = protocolName
        self.cutoffs = cutoffs
        self.scores = scores
    }

    /// A fixed-width table, one block per relevance threshold.
    public func table() -> String {
        var out = "\(protocolName): \(trainUsers) training users, \(testUsers) test users, \(items) items, seed \(seed)\n"
        for threshold in Array(Set(scores.map(\.relevanceThreshold))).sorted(by: >) {
            let rows = scores.filter { $0.relevanceThreshold == threshold }
            out += "\nrelevant = held-out rating >= \(format(Double(threshold), 1)) (\(rows.first?.users ?? 0) users with at least one)\n"
            var header = "model".padding(toLength: 30, withPad: " ", startingAt: 0)
            for (n, k) in cutoffs.enumerated() { header += " NDCG@\(k)".leftPad(9) + (n == 0 ? " ±SE".leftPad(7) : "") }
            for k in cutoffs { header += " P@\(k)".leftPad(8) }
            for k in cutoffs { header += " R@\(k)".leftPad(8) }
            header +=
                " Cov@\(cutoffs.first!)".leftPad(9) + " PopRank@\(cutoffs.first!)".leftPad(12)
                + " ILD@\(cutoffs.first!)".leftPad(8) + " train s".leftPad(9) + " us/user".leftPad(9)
            out += header + "\n"
            for s in rows {
                var line = s.model.padding(toLength: 30, withPad: " ", startingAt: 0)
                for (n, k) in cutoffs.enumerated() {
                    line += format(s.ndcg[k] ?? 0, 4).leftPad(9) + (n == 0 ? format(s.ndcgStandardError, 4).leftPad(7) : "")
                }
                for k in cutoffs { line += format(s.precision[k] ?? 0, 4).leftPad(8) }
                for k in cutoffs { line += format(s.recall[k] ?? 0, 4).leftPad(8) }
                line += format(s.coverage[cutoffs.first!] ?? 0, 3).leftPad(9)
                line += (s.meanPopularityRank.map { format($0, 0) } ?? "–").leftPad(12)
                line += (s.intraListDiversity.map { format($0, 3) } ?? "–").leftPad(8)
                line += format(s.trainSeconds, 1).leftPad(9) + format(s.microsecondsPerUser, 0).leftPad(9)
                out += line + "\n"
            }
            if let first = rows.first, rows.count > 1 {
                out += "paired with \(first.model) (mean per-user difference ± its standard error):\n"
                let labelWidth = rows.map { first.model.count + $0.model.count + 5 }.max() ?? 32
                for other in rows.dropFirst() {
                    guard let n = first.pairedDifference(other, ndcg: true), let p = first.pairedDifference(other, ndcg: false) else { continue }
                    out +=
                        "  \(first.model) − \(other.model)".padding(toLength: labelWidth + 2, withPad: " ", startingAt: 0)
                        + "NDCG@\(cutoffs.first!) " + signed(n.mean) + " ± " + format(n.standardError, 4)
                        + "   P@\(cutoffs.last!) " + signed(p.mean) + " ± " + format(p.standardError, 4) + "\n"
                }
            }
        }
        return out
    }

    func signed(_ v: Double) -> String { (v >= 0 ? "+" : "−") + format(abs(v), 4) }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func format(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
