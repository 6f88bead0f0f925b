import RecMath

/// The coordinator's per-request merge state when shards own items: which shards answered and
/// their top-k lists. A pure value: replies go in, the top k over every answered shard's items and
/// the coverage come out. Each list holds at most k entries, so a request in flight holds at most
/// shards × k entries whatever C, L or the history length.
public struct ShardMerge: Sendable {
    public enum Acceptance: Equatable, Sendable {
        case accepted
        /// A second reply from the same shard (e.g. a hedged duplicate): ignored.
        case duplicate
        /// A reply from a shard outside the request's shard count.
        case unexpected
        /// More than k entries, item indices out of range, or non-finite scores.
        case invalid(String)
    }

    public let shardCount: Int
    public let itemCount: Int
    public let k: Int
    private var lists: [[(index: Int, score: Float)]] = []
    private var answered: [Bool]
    private var answeredCount = 0

    public init(shardCount: Int, itemCount: Int, k: Int) {
        self.shardCount = shardCount
        self.itemCount = itemCount
        self.k = k
        answered = [Bool](repeating: false, count: shardCount)
        lists.reserveCapacity(shardCount)
    }

    public var pendingShards: [Int] { (0..<shardCount).filter { !answered[$0] } }
    public var isComplete: Bool { answeredCount == shardCount }

    /// Fraction of the shards (each owning a share of the items) that answered.
    public var coverage: Double { shardCount > 0 ? Double(answeredCount) / Double(shardCount) : 1 }

    /// Accepts one shard's top-k list (the wire's parallel arrays).
    public mutating func accept(shard: Int, items: [UInt32], scores: [Float]) -> Acceptance {
        guard shard >= 0 && shard < shardCount else { return .unexpected }
        guard !answered[shard] else { return .duplicate }
        guard items.count == scores.count else { return .invalid("items and scores differ in length") }
        guard items.count <= k else { return .invalid("\(items.count) items for k = \(k)") }
        if let bad = items.first(where: { Int($0) >= itemCount }) {
            return .invalid("item index \(bad) is outside the catalogue of \(itemCount)")
        }
        if let bad = scores.first(where: { !$0.isFinite }) { return .invalid("score \(bad) is not finite") }
        lists.append(zip(items, scores).map { (Int($0), $1) })
        answered[shard] = true
        answeredCount += 1
        return .accepted
    }

    public struct Result: Sendable {
        public var items: [(index: Int, score: Float)]
        public var coverage: Double
        /// The shards that did not answer.
        public var missingShards: [Int]
    }

    /// The top k of what has arrived (call at completion or at the deadline), best first, ties by
    /// lower item index — with every shard answered, exactly the whole model's ranking.
    public func finish() -> Result {
        Result(items: TopKMerge.top(k: k, of: lists), coverage: coverage, missingShards: pendingShards)
    }
}
