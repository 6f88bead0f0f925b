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
    public var trainSeconds: Double
    public var microsecondsPerUser: Double
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

    public init(dataset: String, trainUsers: Int, testUsers: Int, items: Int, seed: UInt64, protocolName: String,
                cutoffs: [Int], scores: [ModelScores]) {
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
            for k in cutoffs { header += " NDCG@\(k)".leftPad(9) }
            for k in cutoffs { header += " P@\(k)".leftPad(8) }
            for k in cutoffs { header += " R@\(k)".leftPad(8) }
            header += " Cov@\(cutoffs.first!)".leftPad(9) + " train s".leftPad(9) + " us/user".leftPad(9)
            out += header + "\n"
            for s in rows {
                var line = s.model.padding(toLength: 30, withPad: " ", startingAt: 0)
                for k in cutoffs { line += format(s.ndcg[k] ?? 0, 4).leftPad(9) }
                for k in cutoffs { line += format(s.precision[k] ?? 0, 4).leftPad(8) }
                for k in cutoffs { line += format(s.recall[k] ?? 0, 4).leftPad(8) }
                line += format(s.coverage[cutoffs.first!] ?? 0, 3).leftPad(9)
                line += format(s.trainSeconds, 1).leftPad(9) + format(s.microsecondsPerUser, 0).leftPad(9)
                out += line + "\n"
            }
        }
        return out
    }

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
