import Foundation
import RecInference

/// How users spread over the soft clusters: a diagnostic printed after training. It says whether
/// the cluster weights carry information (saturated sigmoid weights all sit near 1) and whether
/// clusters are used evenly (a few clusters holding most users means most users get the same lists).
public struct ClusterStatistics: Sendable, CustomStringConvertible {
    /// Mean number of clusters with activation above 0.5 per user.
    public var meanActiveClusters: Double
    /// Mean share of a user's total activation held by their top-C clusters.
    public var meanTopShare: Double
    /// Clusters that are in at least one user's top C.
    public var usedClusters: Int
    public var clusters: Int
    /// Fraction of profile entries that the clip to [-1, 1] saturates.
    public var clippedFraction: Double
    /// 10th, 50th and 90th percentile of every user's top-C weights (all C of them).
    public var topWeightQuantiles: [Float]
    /// Mean over users of (C-th weight) / (first weight): 1 means the vote weighs its clusters equally.
    public var meanLastToFirst: Double
    /// Users per cluster (counting a user in each of their top C): the largest cluster's count,
    /// the median over used clusters, and the share of all memberships the largest 10 % of the K
    /// clusters hold (0.1 would be perfectly even).
    /// Per cluster, the users with it among their top C (what `clusterSizeExponent` scales by).
    public var clusterSizes: [Int]
    public var largestCluster: Int
    public var medianUsedCluster: Int
    public var largestTenthShare: Double
    /// Share of users whose C-th and (C+1)-th activations are exactly equal (the choice among them
    /// falls to the lower cluster index, not to the model), and share of top-C weights that are
    /// exactly 1 in Float (a saturated sigmoid).
    public var tiedAtBoundary: Double
    public var exactlyOne: Double

    public init(model: RecommenderModel, inputs: [ProfileInput]) {
        var active = 0.0, share = 0.0, lastToFirst = 0.0
        var counted = 0
        var clipped = 0, entries = 0
        var weights: [Float] = []
        var members = [Int](repeating: 0, count: model.configuration.clusters)
        var ties = 0
        let cut = model.configuration.topClusters
        for input in inputs where !input.isEmpty {
            let s = model.clusterActivations(input)
            let top = model.topClusters(s)
            active += Double(s.filter { $0 > 0.5 }.count)
            share += Double(top.reduce(0) { $0 + $1.score }) / Double(max(1e-12, s.reduce(0, +)))
            if let first = top.first, let last = top.last, first.score > 0 { lastToFirst += Double(last.score / first.score) }
            for (c, w) in top { members[c] += 1; weights.append(w) }
            if cut < s.count, let last = top.last {
                let chosen = Set(top.map(\.index))
                if s.indices.contains(where: { s[$0] == last.score && !chosen.contains($0) }) { ties += 1 }
            }
            counted += 1
            let raw = model.aggregate(input)
            clipped += raw.filter { abs($0) > 1 }.count
            entries += raw.count
        }
        let n = Double(max(1, counted))
        meanActiveClusters = active / n
        meanTopShare = share / n
        meanLastToFirst = lastToFirst / n
        clusters = model.configuration.clusters
        clippedFraction = Double(clipped) / Double(max(1, entries))
        tiedAtBoundary = Double(ties) / n
        exactlyOne = Double(weights.filter { $0 == 1 }.count) / Double(max(1, weights.count))
        weights.sort()
        topWeightQuantiles = [0.1, 0.5, 0.9].map { q in weights.isEmpty ? 0 : weights[min(weights.count - 1, Int(q * Double(weights.count)))] }
        clusterSizes = members
        let used = members.filter { $0 > 0 }.sorted()
        usedClusters = used.count
        largestCluster = used.last ?? 0
        medianUsedCluster = used.isEmpty ? 0 : used[used.count / 2]
        let tenth = max(1, clusters / 10)
        let total = members.reduce(0, +)
        largestTenthShare = total == 0 ? 0 : Double(used.suffix(tenth).reduce(0, +)) / Double(total)
    }

    public var description: String {
        let q = topWeightQuantiles.map { String(format: "%.3f", $0) }.joined(separator: " / ")
        return "clusters: \(usedClusters) of \(clusters) are in some user's top C; a user has on average "
            + String(format: "%.1f", meanActiveClusters) + " clusters above 0.5, and the top C hold "
            + String(format: "%.0f%%", meanTopShare * 100) + " of the activation; "
            + String(format: "%.1f%%", clippedFraction * 100) + " of profile entries are clipped\n"
            + "top-C weights: 10th / 50th / 90th percentile \(q), last-to-first ratio " + String(format: "%.2f", meanLastToFirst)
            + "; users per cluster: largest \(largestCluster), median \(medianUsedCluster), the largest 10% of clusters hold "
            + String(format: "%.0f%%", largestTenthShare * 100) + " of memberships; "
            + String(format: "%.1f%%", exactlyOne * 100) + " of top-C weights are exactly 1, "
            + String(format: "%.1f%%", tiedAtBoundary * 100) + " of users have a tie at the top-C cut"
    }
}
