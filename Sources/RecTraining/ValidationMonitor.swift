import Foundation
import RecData
import RecInference
import RecMath

/// Early stopping on a validation split of the training users, so a large data set trains until it
/// stops improving instead of for a fixed number of passes. Each validation user's history is split
/// in half (seeded); the input half is encoded and the held-out half's liked items are ranked by the
/// decoder vote over the user's top-C clusters, Σ_c s_c · D[·, c] — the scores the shortlists are
/// cut from. The figure is the mean NDCG@20.
public struct ValidationMonitor: Sendable {
    public let users: [Int]
    let inputs: [ProfileInput]
    let relevant: [[Int]]
    let masked: [[Int]]
    public let cutoff = 20

    public init(users: [Int], dataset: Dataset, configuration c: ModelConfiguration) {
        var rng = SeededRandom.derived(seed: c.seed, stream: 0x7661_6C69_6461_7465)  // "validate"
        var inputs: [ProfileInput] = [], relevant: [[Int]] = [], masked: [[Int]] = [], kept: [Int] = []
        for u in users {
            let (a, b) = UserSplit.holdout(dataset.log.history(of: u), fraction: 0.5, order: .random, rng: &rng)
            let liked = b.items.indices.filter { c.ratingScale.isLiked(b.ratings[$0]) }.map { b.items[$0] }
            let input = ProfileInput.from(history: a, attributes: dataset.userAttributeValues[u], configuration: c)
            guard !liked.isEmpty, !input.isEmpty else { continue }
            kept.append(u); inputs.append(input); relevant.append(liked); masked.append(a.items)
        }
        self.users = kept
        self.inputs = inputs
        self.relevant = relevant
        self.masked = masked
    }

    /// Mean NDCG@20 of the decoder vote (0 when no user can be scored).
    public func score(encoder: Encoder, parameters: ParameterSet, topClusters: Int, threads: Int) -> Double {
        guard !inputs.isEmpty, parameters.contains("decoder.items") else { return 0 }
        let decoder = parameters["decoder.items"]
        let bias = parameters.contains("decoder.bias") ? parameters["decoder.bias"].values : nil
        let items = decoder.rows, k = decoder.cols
        var total = 0.0
        let chunk = 256
        var start = 0
        while start < inputs.count {
            let range = start..<min(inputs.count, start + chunk)
            let clusters = encoder.forward(Array(inputs[range]), parameters: parameters).clusters
            var perUser = [Double](repeating: 0, count: range.count)
            perUser.withUnsafeMutableBufferPointer { out in
                let outBase = out.baseAddress!
                Parallel.forEachChunk(range.count, threads: threads) { local in
                    var scores = [Float](repeating: 0, count: items)
                    for r in local {
                        let u = range.lowerBound + r
                        if let bias { for i in 0..<items { scores[i] = bias[i] } } else { for i in 0..<items { scores[i] = 0 } }
                        decoder.values.withUnsafeBufferPointer { d in
                            for (c, s) in TopK.select(Array(clusters.row(r)), k: topClusters) {
                                for i in 0..<items { scores[i] += s * d[i * k + c] }
                            }
                        }
                        let seen = Set(masked[u])
                        let ranked = TopK.select(scores, k: cutoff) { !seen.contains($0) }.map(\.index)
                        outBase[r] = Self.ndcg(ranked: ranked, relevant: Set(relevant[u]), cutoff: cutoff)
                    }
                }
            }
            total += perUser.reduce(0, +)
            start = range.upperBound
        }
        return total / Double(inputs.count)
    }

    static func ndcg(ranked: [Int], relevant: Set<Int>, cutoff: Int) -> Double {
        var dcg = 0.0
        for (p, i) in ranked.prefix(cutoff).enumerated() where relevant.contains(i) { dcg += 1 / Foundation.log2(Double(p) + 2) }
        var ideal = 0.0
        for p in 0..<min(cutoff, relevant.count) { ideal += 1 / Foundation.log2(Double(p) + 2) }
        return ideal > 0 ? dcg / ideal : 0
    }
}

/// The validation scores of a training run and the best weights of the current phase.
struct ValidationRecord {
    private(set) var history: [Double] = []
    private(set) var bestOfPhase: ParameterSet? = nil
    private(set) var stoppedEarly = false
    private var best = -Double.infinity
    /// The score of the last check that counted as an improvement.
    private var anchor = -Double.infinity
    private var sinceImprovement = 0

    var last: Double? { history.last }

    mutating func startPhase() {
        best = -.infinity
        anchor = -.infinity
        bestOfPhase = nil
        sinceImprovement = 0
    }

    /// Records a check; returns true when `patience` checks in a row have not improved by more than
    /// `minImprovement` (relative) on the last improvement. The best weights are kept whatever the gain.
    mutating func record(_ score: Double, parameters: ParameterSet, patience: Int, minImprovement: Double = 0) -> Bool {
        history.append(score)
        if score > best {
            best = score
            bestOfPhase = parameters
        }
        if anchor == -.infinity || score > anchor + minImprovement * abs(anchor) {
            anchor = score
            sinceImprovement = 0
            return false
        }
        sinceImprovement += 1
        if sinceImprovement >= patience { stoppedEarly = true; return true }
        return false
    }
}
