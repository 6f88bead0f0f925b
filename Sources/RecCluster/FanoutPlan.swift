/// One request's fan-out: the user's top clusters grouped by owning shard. Only shards that own at
/// least one chosen cluster get a sub-request.
public struct FanoutPlan: Equatable, Sendable {
    public struct SubRequest: Equatable, Sendable {
        public var shard: Int
        public var clusters: [Int]
        public var weights: [Float]
    }

    /// Sub-requests ordered by shard.
    public let subRequests: [SubRequest]
    /// Σ of the chosen clusters' weights (the denominator of coverage).
    public let totalWeight: Double

    public init(clusters: [(index: Int, score: Float)], map: ShardMap) {
        var byShard: [Int: SubRequest] = [:]
        var total = 0.0
        for (c, w) in clusters {
            let s = map.owner(of: c)
            byShard[s, default: SubRequest(shard: s, clusters: [], weights: [])].clusters.append(c)
            byShard[s]!.weights.append(w)
            total += Double(w)
        }
        subRequests = byShard.keys.sorted().map { byShard[$0]! }
        totalWeight = total
    }

    public var shards: [Int] { subRequests.map(\.shard) }

    public func weight(ofShard shard: Int) -> Double {
        subRequests.first { $0.shard == shard }.map { $0.weights.reduce(0.0) { $0 + Double($1) } } ?? 0
    }
}
