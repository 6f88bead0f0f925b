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
    /// The candidate pool the model ranks (C × L) when it has one.
    public var candidatePool: Int?
    /// Training users per cluster (counting each user in their top C), for a trained EfficientRec model.
    public var clusterSizes: [Int]?

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

    /// The relevance thresholds, strictest first.
    public var thresholds: [Float] { Array(Set(scores.map(\.relevanceThreshold))).sorted(by: >) }

    /// The table of one relevance threshold as text cells, each with its column width (negative:
    /// left-aligned): what `table()` prints and the HTML report shows, digit for digit.
    public func cells(threshold: Float) -> (header: [(String, Int)], rows: [[(String, Int)]]) {
        let first = cutoffs.first ?? 10
        var header: [(String, Int)] = [("model", -30)]
        for (n, k) in cutoffs.enumerated() {
            header.append(("NDCG@\(k)", 9))
            if n == 0 { header.append(("±SE", 7)) }
        }
        for k in cutoffs { header.append(("P@\(k)", 8)) }
        for k in cutoffs { header.append(("R@\(k)", 8)) }
        header += [("Cov@\(first)", 9), ("PopRank@\(first)", 12), ("ILD@\(first)", 8), ("train s", 9), ("us/user", 9)]
        let rows = scores.filter { $0.relevanceThreshold == threshold }.map { s -> [(String, Int)] in
            var row: [(String, Int)] = [(s.model, -30)]
            for (n, k) in cutoffs.enumerated() {
                row.append((format(s.ndcg[k] ?? 0, 4), 9))
                if n == 0 { row.append((format(s.ndcgStandardError, 4), 7)) }
            }
            for k in cutoffs { row.append((format(s.precision[k] ?? 0, 4), 8)) }
            for k in cutoffs { row.append((format(s.recall[k] ?? 0, 4), 8)) }
            row += [
                (format(s.coverage[first] ?? 0, 3), 9), (s.meanPopularityRank.map { format($0, 0) } ?? "–", 12),
                (s.intraListDiversity.map { format($0, 3) } ?? "–", 8), (format(s.trainSeconds, 1), 9),
                (format(s.microsecondsPerUser, 0), 9)
            ]
            return row
        }
        return (header, rows)
    }

    /// A fixed-width table, one block per relevance threshold.
    public func table() -> String {
        var out = "\(protocolName): \(trainUsers) training users, \(testUsers) test users, \(items) items, seed \(seed)\n"
        func line(_ cells: [(String, Int)]) -> String {
            cells.map { text, width in width < 0 ? text.padding(toLength: -width, withPad: " ", startingAt: 0) : (" " + text).leftPad(width) }
                .joined()
        }
        for threshold in thresholds {
            let rows = scores.filter { $0.relevanceThreshold == threshold }
            out += "\nrelevant = held-out rating >= \(format(Double(threshold), 1)) (\(rows.first?.users ?? 0) users with at least one)\n"
            let table = cells(threshold: threshold)
            out += line(table.header) + "\n"
            for row in table.rows { out += line(row) + "\n" }
            out += pairedDifferences(rows)
        }
        return out
    }

    /// Each model against the first of the block: mean per-user differences with standard errors.
    func pairedDifferences(_ rows: [ModelScores]) -> String {
        guard let first = rows.first, rows.count > 1, let firstK = cutoffs.first, let lastK = cutoffs.last else { return "" }
        var out = "paired with \(first.model) (mean per-user difference ± its standard error):\n"
        let labelWidth = rows.map { first.model.count + $0.model.count + 5 }.max() ?? 32
        for other in rows.dropFirst() {
            guard let n = first.pairedDifference(other, ndcg: true), let p = first.pairedDifference(other, ndcg: false) else { continue }
            out +=
                "  \(first.model) − \(other.model)".padding(toLength: labelWidth + 2, withPad: " ", startingAt: 0)
                + "NDCG@\(firstK) " + signed(n.mean) + " ± " + format(n.standardError, 4)
                + "   P@\(lastK) " + signed(p.mean) + " ± " + format(p.standardError, 4) + "\n"
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
