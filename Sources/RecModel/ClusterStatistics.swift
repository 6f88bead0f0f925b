import Foundation

/// How users spread over the soft clusters: a diagnostic printed after training.
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

    public init(model: RecommenderModel, inputs: [ProfileInput]) {
        var active = 0.0, share = 0.0
        var used = Set<Int>()
        var counted = 0
        var clipped = 0, entries = 0
        for input in inputs where !input.isEmpty {
            let s = model.clusterActivations(input)
            let top = model.topClusters(s)
            active += Double(s.filter { $0 > 0.5 }.count)
            share += Double(top.reduce(0) { $0 + $1.score }) / Double(max(1e-12, s.reduce(0, +)))
            used.formUnion(top.map(\.index))
            counted += 1
            let raw = model.aggregate(input)
            clipped += raw.filter { abs($0) > 1 }.count
            entries += raw.count
        }
        let n = Double(max(1, counted))
        meanActiveClusters = active / n
        meanTopShare = share / n
        usedClusters = used.count
        clusters = model.configuration.clusters
        clippedFraction = Double(clipped) / Double(max(1, entries))
    }

    public var description: String {
        "clusters: \(usedClusters) of \(clusters) are in some user's top C; a user has on average " + String(format: "%.1f", meanActiveClusters) + " clusters above 0.5, and the top C hold "
            + String(format: "%.0f%%", meanTopShare * 100) + " of the activation; "
            + String(format: "%.1f%%", clippedFraction * 100) + " of profile entries are clipped"
    }
}
