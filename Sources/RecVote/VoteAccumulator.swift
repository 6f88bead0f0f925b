import RecMath

/// How the contributions of a user's clusters to one item are reduced.
public enum VoteReduction: String, Codable, CaseIterable, Sendable {
    /// Σ over the clusters containing the item.
    case sum
    /// The sum divided by the number of clusters containing the item.
    case mean
}

/// Per-item vote totals in 64-bit fixed point (2⁻³² resolution). Integer addition is associative,
/// so the total for an item does not depend on the order its clusters' contributions arrive in.
///
/// Built for reuse on the serving path: all storage is allocated once (`itemCount` entries each),
/// `touched` remembers which items to clear, and the bulk `add` methods run over raw buffers.
public struct VoteAccumulator: Sendable {
    public static let fixedPointScale: Double = 4_294_967_296  // 2^32
    public static let contributionLimit: Double = 16_777_216  // 2^24

    // Internal but inlinable: `add` runs for every shortlist entry on the serving path.
    @usableFromInline var sums: [Int64]
    @usableFromInline var counts: [Int32]
    /// The first `touchedCount` entries are the items with a contribution, in first-touch order.
    @usableFromInline var touched: [Int32]
    @usableFromInline var touchedCount = 0
    /// `marked[i]` ⇔ i is among the touched items (so `touched` never holds an item twice).
    @usableFromInline var marked: [Bool]
    /// Scratch marks for exclusions (always all false between calls): no hashing on the hot path.
    @usableFromInline var excludedMask: [Bool]
    /// Scratch item–item scores for the two-stage ranking (all zero between calls; allocated on
    /// first use).
    @usableFromInline var secondStage: [Float] = []
    /// While the two-stage ranking runs: 1 for the pool's items during the item–item scatter, then
    /// their votes; else 0 (allocated on first use).
    @usableFromInline var poolMask: [Float] = []

    public init(itemCount: Int) {
        sums = [Int64](repeating: 0, count: itemCount)
        counts = [Int32](repeating: 0, count: itemCount)
        // One spare slot: the branch-free bookkeeping writes the next slot before it knows whether
        // the item is new (with every item touched, a repeat writes one past the last).
        touched = [Int32](repeating: 0, count: itemCount + 1)
        marked = [Bool](repeating: false, count: itemCount)
        excludedMask = [Bool](repeating: false, count: itemCount)
    }

    public var itemCount: Int { sums.count }
    /// Items with a contribution so far.
    public var touchedItems: Int { touchedCount }

    /// The fixed-point value of one contribution weight × score (non-finite values count as 0).
    @inlinable
    public static func fixedPoint(weight: Float, score: Float) -> Int64 {
        let v = Double(weight) * Double(score)
        guard v.isFinite else { return 0 }
        let scaled = min(max(v, -contributionLimit), contributionLimit) * fixedPointScale
        // Round half to even without a libm call (x86-64's baseline has no rounding instruction):
        // adding and removing 1.5·2⁵² leaves exactly rint(x) for |x| < 2⁵¹ in the default rounding
        // mode. Larger values (clamped contributions only) take the library path.
        let magic = 6_755_399_441_055_744.0  // 1.5 · 2^52
        let rounded = abs(scaled) < 2_251_799_813_685_248.0 ? (scaled + magic) - magic : scaled.rounded(.toNearestOrEven)
        return Int64(rounded)
    }

    /// Adds a contribution (or a partial vote computed elsewhere) for one item (0 ≤ item < itemCount).
    @inlinable
    public mutating func add(item: Int, sum: Int64, count: Int32) {
        if !marked[item] { marked[item] = true; touched[touchedCount] = Int32(item); touchedCount += 1 }
        sums[item] &+= sum
        counts[item] &+= count
    }

    /// Adds `weight` × score for every entry of one shortlist (parallel `items` / `scores`), skipping
    /// items whose `skip` mark is set. The same arithmetic as `add(item:sum:count:)` per entry.
    @inlinable
    public mutating func addShortlist(
        items: UnsafeBufferPointer<Int32>, scores: UnsafeBufferPointer<Float>,
        weight: Float, skip: UnsafeBufferPointer<Bool>
    ) {
        let n = Swift.min(items.count, scores.count)
        let itemCount = sums.count
        var touchedCount = self.touchedCount
        sums.withUnsafeMutableBufferPointer { sums in
            counts.withUnsafeMutableBufferPointer { counts in
                touched.withUnsafeMutableBufferPointer { touched in
                    marked.withUnsafeMutableBufferPointer { marked in
                        for e in 0..<n {
                            let item = Int(items[e])
                            guard item >= 0 && item < itemCount && !(item < skip.count && skip[item]) else { continue }
                            // Branch-free first-touch bookkeeping: whether an item was seen before is
                            // a coin flip the branch predictor loses (it had cost half the vote's time).
                            touched[touchedCount] = Int32(item)
                            touchedCount &+= marked[item] ? 0 : 1
                            marked[item] = true
                            sums[item] &+= Self.fixedPoint(weight: weight, score: scores[e])
                            counts[item] &+= 1
                        }
                    }
                }
            }
        }
        self.touchedCount = touchedCount
    }

    /// Adds `weight` × values[i] to every touched item's sum (its count unchanged): a per-item term
    /// that belongs to the item once, whatever the number of shortlists it was voted from.
    public mutating func addToTouched(_ values: [Float], weight: Float) {
        let n = values.count
        for t in touched[0..<touchedCount] {
            let i = Int(t)
            if i < n { sums[i] &+= Self.fixedPoint(weight: weight, score: values[i]) }
        }
    }

    /// The accumulated votes in the order items were first touched (summing is order-independent).
    public func partials() -> [(item: Int, sum: Int64, count: Int32)] {
        touched[0..<touchedCount].map { (Int($0), sums[Int($0)], counts[Int($0)]) }
    }

    @inlinable
    public static func score(sum: Int64, count: Int32, reduction: VoteReduction) -> Float {
        let total = Double(sum) / fixedPointScale
        switch reduction {
        case .sum: return Float(total)
        case .mean: return Float(total / Double(Swift.max(1, count)))
        }
    }

    /// The top k items not excluded, best first (ties: lower item index); resets the accumulator.
    public mutating func top(k: Int, excluding: [Int], reduction: VoteReduction) -> [(index: Int, score: Float)] {
        for i in excluding where i >= 0 && i < excludedMask.count { excludedMask[i] = true }
        var heap = TopK.BoundedHeap(k: k)
        sums.withUnsafeMutableBufferPointer { sums in
            counts.withUnsafeMutableBufferPointer { counts in
                excludedMask.withUnsafeBufferPointer { excluded in
                    for t in touched[0..<touchedCount] {
                        let i = Int(t)
                        if !excluded[i] { heap.offer((i, Self.score(sum: sums[i], count: counts[i], reduction: reduction))) }
                        sums[i] = 0
                        counts[i] = 0
                        marked[i] = false
                    }
                }
            }
        }
        for i in excluding where i >= 0 && i < excludedMask.count { excludedMask[i] = false }
        touchedCount = 0
        return heap.sorted()
    }

    /// Forgets everything accumulated so far.
    public mutating func reset() {
        for t in touched[0..<touchedCount] { sums[Int(t)] = 0; counts[Int(t)] = 0; marked[Int(t)] = false }
        touchedCount = 0
    }
}
