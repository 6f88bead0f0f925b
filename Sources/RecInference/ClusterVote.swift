import RecMath
import RecVote

/// The vote over the shortlists of a user's top clusters: each cluster c adds
/// s_uc · CS(c, i) for the items of its shortlist to a fixed-point `VoteAccumulator`, so the
/// result does not depend on the order clusters are added (or on how shards split them).
public struct ClusterVote: Sendable {
    public var accumulator: VoteAccumulator

    public init(itemCount: Int) {
        accumulator = VoteAccumulator(itemCount: itemCount)
    }

    @inline(__always)
    public static func fixedPoint(weight: Float, score: Float) -> Int64 {
        VoteAccumulator.fixedPoint(weight: weight, score: score)
    }

    /// Adds one cluster's shortlist with the user's activation `weight`.
    public mutating func add(cluster: Int, weight: Float, shortlists: Shortlists) {
        accumulator.add(cluster: cluster, weight: weight, shortlists: shortlists, skip: [])
    }

    /// Adds a contribution computed elsewhere for one item.
    public mutating func add(item: Int, sum: Int64, count: Int32) {
        accumulator.add(item: item, sum: sum, count: count)
    }

    public func partials() -> [(item: Int, sum: Int64, count: Int32)] { accumulator.partials() }

    public mutating func top(k: Int, excluding: [Int], reduction: VoteReduction) -> [(index: Int, score: Float)] {
        accumulator.top(k: k, excluding: excluding, reduction: reduction)
    }
}

extension VoteAccumulator {
    /// Adds one cluster's shortlist with weight `weight`, skipping items marked in `skip` (indexed
    /// by item; shorter than the catalogue means "not marked").
    public mutating func add(cluster: Int, weight: Float, shortlists: Shortlists, skip: [Bool]) {
        guard cluster >= 0 && cluster < shortlists.clusterCount else { return }
        let range = shortlists.list(cluster)
        shortlists.items.withUnsafeBufferPointer { items in
            shortlists.scores.withUnsafeBufferPointer { scores in
                skip.withUnsafeBufferPointer { skip in
                    addShortlist(
                        items: UnsafeBufferPointer(rebasing: items[range]), scores: UnsafeBufferPointer(rebasing: scores[range]),
                        weight: weight, skip: skip)
                }
            }
        }
    }
}
