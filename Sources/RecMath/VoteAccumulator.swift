/// How the contributions of a user's clusters to one item are reduced.
public enum VoteReduction: String, Codable, CaseIterable, Sendable {
    /// Σ over the clusters containing the item.
    case sum
    /// The sum divided by the number of clusters containing the item.
    case mean
}

/// Per-item vote totals in 64-bit fixed point (2⁻³² resolution). Integer addition is associative,
/// so the total for an item does not depend on the order contributions arrive in: partial votes
/// from several shard workers merge to exactly the single-process answer.
public struct VoteAccumulator: Sendable {
    public static let fixedPointScale: Double = 4_294_967_296 // 2^32
    public static let contributionLimit: Double = 16_777_216 // 2^24

    // Internal but inlinable: `add` runs for every shortlist entry on the serving path.
    @usableFromInline var sums: [Int64]
    @usableFromInline var counts: [Int32]
    @usableFromInline var touched: [Int32] = []
    /// Scratch marks for exclusions (always all false between calls): no hashing on the hot path.
    private var excludedMask: [Bool]

    public init(itemCount: Int) {
        sums = [Int64](repeating: 0, count: itemCount)
        counts = [Int32](repeating: 0, count: itemCount)
        excludedMask = [Bool](repeating: false, count: itemCount)
    }

    public var itemCount: Int { sums.count }

    /// The fixed-point value of one contribution weight × score (non-finite values count as 0).
    @inlinable
    public static func fixedPoint(weight: Float, score: Float) -> Int64 {
        let v = Double(weight) * Double(score)
        guard v.isFinite else { return 0 }
        return Int64((min(max(v, -contributionLimit), contributionLimit) * fixedPointScale).rounded(.toNearestOrEven))
    }

    /// Adds a contribution (or a partial vote computed elsewhere) for one item.
    @inlinable
    public mutating func add(item: Int, sum: Int64, count: Int32) {
        if counts[item] == 0 { touched.append(Int32(item)) }
        sums[item] &+= sum
        counts[item] &+= count
    }

    /// The accumulated partial votes in the order items were first touched (what a shard worker
    /// sends back; merging is order-independent, so no sort is needed).
    public func partials() -> [(item: Int, sum: Int64, count: Int32)] {
        touched.map { (Int($0), sums[Int($0)], counts[Int($0)]) }
    }

    public static func score(sum: Int64, count: Int32, reduction: VoteReduction) -> Float {
        let total = Double(sum) / fixedPointScale
        switch reduction {
        case .sum: return Float(total)
        case .mean: return Float(total / Double(max(1, count)))
        }
    }

    /// The top k items not excluded, best first (ties: lower item index); resets the accumulator.
    public mutating func top(k: Int, excluding: some Sequence<Int>, reduction: VoteReduction) -> [(index: Int, score: Float)] {
        for i in excluding where i >= 0 && i < excludedMask.count { excludedMask[i] = true }
        var heap = TopK.BoundedHeap(k: k)
        for t in touched {
            let i = Int(t)
            if !excludedMask[i] { heap.offer((i, Self.score(sum: sums[i], count: counts[i], reduction: reduction))) }
            sums[i] = 0
            counts[i] = 0
        }
        for i in excluding where i >= 0 && i < excludedMask.count { excludedMask[i] = false }
        touched.removeAll(keepingCapacity: true)
        return heap.sorted()
    }

    /// Forgets everything accumulated so far.
    public mutating func reset() {
        for t in touched { sums[Int(t)] = 0; counts[Int(t)] = 0 }
        touched.removeAll(keepingCapacity: true)
    }
}
