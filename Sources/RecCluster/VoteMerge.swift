import RecMath

/// The coordinator's per-request merge state: which shards answered, the coverage so far, and the
/// merged partial votes. A pure value: replies go in, a ranked answer with its coverage comes out.
/// Accepted replies are kept as they arrived (a few kB) and summed only at `finish`, into a
/// `VoteAccumulator` the caller reuses across requests, so a request in flight does not hold
/// catalogue-sized arrays.
public struct VoteMerge: Sendable {
    public enum Acceptance: Equatable, Sendable {
        case accepted
        /// A second reply from the same shard (e.g. a hedged duplicate): ignored.
        case duplicate
        /// A reply from a shard this request did not ask.
        case unexpected
        /// The reply names clusters the shard was not asked for, or item indices out of range.
        case invalid(String)
    }

    public let plan: FanoutPlan
    public let itemCount: Int
    private var replies: [(items: [UInt32], sums: [Int64], counts: [UInt32])] = []
    private var answered: Set<Int> = []
    private var answeredWeight = 0.0

    public init(plan: FanoutPlan, itemCount: Int) {
        self.plan = plan
        self.itemCount = itemCount
    }

    public var pendingShards: [Int] { plan.shards.filter { !answered.contains($0) } }
    public var isComplete: Bool { pendingShards.isEmpty }

    /// Fraction of the requested cluster weight answered so far (1 when nothing was requested).
    public var coverage: Double { plan.totalWeight > 0 ? min(1, answeredWeight / plan.totalWeight) : 1 }

    /// Accepts one shard's partial vote (the wire's arrays: item indices, fixed-point sums, counts).
    public mutating func accept(shard: Int, items: [UInt32], sums: [Int64], counts: [UInt32]) -> Acceptance {
        guard plan.shards.contains(shard) else { return .unexpected }
        guard !answered.contains(shard) else { return .duplicate }
        guard items.count == sums.count, items.count == counts.count else { return .invalid("parallel arrays differ in length") }
        if let bad = items.first(where: { Int($0) >= itemCount }) {
            return .invalid("item index \(bad) is outside the catalogue of \(itemCount)")
        }
        replies.append((items, sums, counts))
        answered.insert(shard)
        answeredWeight += plan.weight(ofShard: shard)
        return .accepted
    }

    public struct Result: Sendable {
        public var items: [(index: Int, score: Float)]
        public var coverage: Double
        /// The shards that did not answer.
        public var missingShards: [Int]
    }

    /// The ranked answer from what has arrived (call at completion or at the deadline), summed in
    /// `accumulator` (which must be empty, have `itemCount` items, and is left empty). A per-item
    /// `itemBias` (the model's β, weighted by `biasWeight`) is added once to every voted item after
    /// the shards' partial votes, as the single-process vote does.
    public func finish(k: Int, excluding: [Int], reduction: VoteReduction, itemBias: [Float] = [], biasWeight: Float = 0,
                       using accumulator: inout VoteAccumulator) -> Result {
        finish(itemBias: itemBias, biasWeight: biasWeight, using: &accumulator) { $0.top(k: k, excluding: excluding, reduction: reduction) }
    }

    /// `finish` with the ranking of the merged pool left to `rank` (which must leave the
    /// accumulator empty): the model's two-stage ranking, or the vote's `top`.
    public func finish(itemBias: [Float] = [], biasWeight: Float = 0, using accumulator: inout VoteAccumulator,
                       rank: (inout VoteAccumulator) -> [(index: Int, score: Float)]) -> Result {
        for r in replies {
            r.items.withUnsafeBufferPointer { items in
                r.sums.withUnsafeBufferPointer { sums in
                    r.counts.withUnsafeBufferPointer { counts in accumulator.addPartials(items: items, sums: sums, counts: counts) }
                }
            }
        }
        if !itemBias.isEmpty && biasWeight > 0 { accumulator.addToTouched(itemBias, weight: biasWeight) }
        let items = rank(&accumulator)
        return Result(items: items, coverage: coverage, missingShards: pendingShards)
    }

    /// `finish` with a fresh accumulator (tests, one-off use).
    public func finish(k: Int, excluding: [Int], reduction: VoteReduction) -> Result {
        var accumulator = VoteAccumulator(itemCount: itemCount)
        return finish(k: k, excluding: excluding, reduction: reduction, using: &accumulator)
    }
}
