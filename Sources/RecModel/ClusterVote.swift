import RecMath

/// The vote over the shortlists of a user's top clusters (DESIGN §2.9), as a pure accumulator.
///
/// Contributions s_uc · CS(c, i) are added in 64-bit fixed point (2⁻³² resolution), so the total
/// for an item does not depend on the order in which clusters are added: a sharded cluster that
/// merges partial votes from several workers gets bit-for-bit the offline answer.
public struct ClusterVote: Sendable {
    public static let fixedPointScale: Double = 4_294_967_296 // 2^32
    static let contributionLimit: Double = 16_777_216 // 2^24

    private var sums: [Int64]
    private var counts: [Int32]
    private var touched: [Int32] = []

    public init(itemCount: Int) {
        sums = [Int64](repeating: 0, count: itemCount)
        counts = [Int32](repeating: 0, count: itemCount)
    }

    /// The fixed-point value of one contribution.
    @inline(__always)
    public static func fixedPoint(weight: Float, score: Float) -> Int64 {
        let v = Double(weight) * Double(score)
        guard v.isFinite else { return 0 }
        return Int64((min(max(v, -contributionLimit), contributionLimit) * fixedPointScale).rounded())
    }

    /// Adds one cluster's shortlist with the user's activation `weight`.
    public mutating func add(cluster: Int, weight: Float, shortlists: Shortlists) {
        for k in shortlists.list(cluster) {
            add(item: Int(shortlists.items[k]), sum: Self.fixedPoint(weight: weight, score: shortlists.scores[k]), count: 1)
        }
    }

    /// Adds a partial vote (as computed elsewhere, e.g. by a shard worker).
    @inline(__always)
    public mutating func add(item: Int, sum: Int64, count: Int32) {
        if counts[item] == 0 { touched.append(Int32(item)) }
        sums[item] &+= sum
        counts[item] += count
    }

    /// The partial votes accumulated so far, in item order (what a shard worker sends back).
    public func partials() -> [(item: Int, sum: Int64, count: Int32)] {
        touched.sorted().map { (Int($0), sums[Int($0)], counts[Int($0)]) }
    }

    public static func score(sum: Int64, count: Int32, reduction: ModelConfiguration.VoteReduction) -> Float {
        let total = Double(sum) / fixedPointScale
        switch reduction {
        case .sum: return Float(total)
        case .mean: return Float(total / Double(max(1, count)))
        }
    }

    /// The top k voted items not excluded, best first (ties: lower item index); resets the accumulator.
    public mutating func top(k: Int, excluding: Set<Int>, reduction: ModelConfiguration.VoteReduction) -> [(index: Int, score: Float)] {
        var candidates: [(index: Int, score: Float)] = []
        candidates.reserveCapacity(touched.count)
        for t in touched {
            let i = Int(t)
            if !excluding.contains(i) { candidates.append((i, Self.score(sum: sums[i], count: counts[i], reduction: reduction))) }
            sums[i] = 0
            counts[i] = 0
        }
        touched.removeAll(keepingCapacity: true)
        return TopK.sorted(candidates, k: k)
    }
}
