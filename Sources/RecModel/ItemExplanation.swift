/// Why an item was recommended: the user's clusters whose shortlists voted for it, with each one's
/// share of its vote (largest first), and the history items most like it by the cosine of the item
/// tower's vectors (best first) — what a product shows as "because you liked …". Computed from the
/// model alone, so offline `recommend --explain` and the cluster give the same.
public struct ItemExplanation: Sendable, Equatable {
    public var clusters: [Int] = []
    public var shares: [Float] = []
    public var because: [Int] = []
    public var similarities: [Float] = []

    public init() {}
}

extension RecommenderModel {
    /// One explanation per item of `recommendation` (empty ones for the popularity fill). `history`
    /// is the user's items; the most recent `configuration.window` distinct ones are compared.
    /// Costs one pass over the top clusters' C × L shortlist entries and (k × window) dot products.
    public func explain(_ recommendation: Recommendation, history: [Int], clusters maxClusters: Int = 3,
                        because maxBecause: Int = 3) -> [ItemExplanation] {
        let voted = recommendation.items.count - recommendation.filledFromPopularity
        var out = [ItemExplanation](repeating: ItemExplanation(), count: recommendation.items.count)
        guard voted > 0 else { return out }
        var slot: [Int: Int] = [:]
        for (k, item) in recommendation.items.prefix(voted).enumerated() { slot[item.index] = k }
        // Each cluster's contribution w_c · s_c(i) to every explained item.
        var contributions = [[(cluster: Int, value: Float)]](repeating: [], count: voted)
        for (c, weight) in recommendation.clusters {
            for e in shortlists.list(c) {
                if let k = slot[Int(shortlists.items[e])] { contributions[k].append((c, weight * shortlists.scores[e])) }
            }
        }
        let recent = recentDistinct(history)
        let d = itemVectors.cols
        func norm(_ i: Int) -> Float {
            var s: Float = 0
            for j in 0..<d { let v = itemVectors.values[i * d + j]; s += v * v }
            return s.squareRoot()
        }
        let historyNorms = recent.map(norm)
        for k in 0..<voted {
            let total = contributions[k].reduce(Float(0)) { $0 + $1.value }
            let ranked = contributions[k].sorted { ($0.value, -$0.cluster) > ($1.value, -$1.cluster) }.prefix(maxClusters)
            out[k].clusters = ranked.map(\.cluster)
            out[k].shares = ranked.map { total > 0 ? $0.value / total : 0 }
            let item = recommendation.items[k].index
            let itemNorm = norm(item)
            guard itemNorm > 0, !recent.isEmpty else { continue }
            var similar: [(item: Int, similarity: Float)] = []
            for (h, other) in recent.enumerated() where historyNorms[h] > 0 {
                var dot: Float = 0
                for j in 0..<d { dot += itemVectors.values[item * d + j] * itemVectors.values[other * d + j] }
                similar.append((other, dot / (itemNorm * historyNorms[h])))
            }
            let best = similar.sorted { ($0.similarity, -$0.item) > ($1.similarity, -$1.item) }.prefix(maxBecause)
            out[k].because = best.map(\.item)
            out[k].similarities = best.map(\.similarity)
        }
        return out
    }

    /// The last `window` distinct items of a history, most recent last.
    private func recentDistinct(_ history: [Int]) -> [Int] {
        var seen = Set<Int>(), out: [Int] = []
        for i in history.reversed() where out.count < configuration.window && seen.insert(i).inserted { out.append(i) }
        return out.reversed()
    }
}
