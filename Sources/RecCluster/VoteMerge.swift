import RecMath

/// The coordinator's per-request merge state: which shards answered, the coverage so far, and the
/// merged partial votes. A pure value: replies go in, a ranked answer with its coverage comes out.
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
    private var accumulator: VoteAccumulator
    private var answered: Set<Int> = []
    private var answeredWeight = 0.0

    public init(plan: FanoutPlan, itemCount: Int) {
        self.plan = plan
        accumulator = VoteAccumulator(itemCount: itemCount)
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
        let itemCount = accumulator.itemCount
        if let bad = items.first(where: { Int($0) >= itemCount }) {
            return .invalid("item index \(bad) is outside the catalogue of \(itemCount)")
        }
        for k in items.indices {
            accumulator.add(item: Int(items[k]), sum: sums[k], count: Int32(truncatingIfNeeded: counts[k]))
        }
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

    /// The ranked answer from what has arrived (call at completion or at the deadline).
    public mutating func finish(k: Int, excluding: Set<Int>, reduction: VoteReduction) -> Result {
        let missing = pendingShards
        let coverage = self.coverage
        let items = accumulator.top(k: k, excluding: excluding, reduction: reduction)
        return Result(items: items, coverage: coverage, missingShards: missing)
    }
}
