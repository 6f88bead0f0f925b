import CRecProtocol

/// The coordinator's answer, with what it covered and how long it took.
public struct RecommendResponse: Equatable, Sendable {
    public struct Timings: Equatable, Sendable {
        public var totalMicros: UInt32 = 0
        public var encodeMicros: UInt32 = 0
        public var fanoutMicros: UInt32 = 0
        public var mergeMicros: UInt32 = 0
        public init() {}
    }

    public var requestID: String
    public var itemIDs: [String] = []
    public var scores: [Float] = []
    public var clusterIDs: [UInt32] = []
    public var clusterWeights: [Float] = []
    public var modelVersion = ""
    public var coverage: Double = 1
    public var degradedReasons: [String] = []
    public var timings = Timings()
    public var unknownItems: UInt32 = 0
    public var truncatedInteractions: UInt32 = 0
    public var filledFromPopularity: UInt32 = 0
    /// Distinct items the vote proposed that the request's filters removed.
    public var filteredCandidates: UInt32 = 0
    /// With `explain`: one per item, in order (empty for items from the popularity fill).
    public var explanations: [Explanation] = []

    public init(requestID: String) { self.requestID = requestID }

    /// Why an item was recommended: its voting clusters' shares of its vote and the history items
    /// most like it.
    public struct Explanation: Equatable, Sendable {
        public var clusterIDs: [UInt32] = []
        public var clusterShares: [Float] = []
        public var becauseItemIDs: [String] = []
        public var similarities: [Float] = []
        public init(clusterIDs: [UInt32] = [], clusterShares: [Float] = [], becauseItemIDs: [String] = [], similarities: [Float] = []) {
            self.clusterIDs = clusterIDs
            self.clusterShares = clusterShares
            self.becauseItemIDs = becauseItemIDs
            self.similarities = similarities
        }
    }

    func makeC(_ arena: CArena) -> Efficientrec__V1__RecommendResponse {
        var m = Efficientrec__V1__RecommendResponse()
        efficientrec__v1__recommend_response__init(&m)
        m.request_id = arena.string(requestID)
        m.n_item_ids = itemIDs.count; m.item_ids = arena.strings(itemIDs)
        m.n_scores = scores.count; m.scores = arena.array(scores)
        m.n_cluster_ids = clusterIDs.count; m.cluster_ids = arena.array(clusterIDs)
        m.n_cluster_weights = clusterWeights.count; m.cluster_weights = arena.array(clusterWeights)
        m.model_version = arena.string(modelVersion)
        m.coverage = coverage
        m.n_degraded_reasons = degradedReasons.count; m.degraded_reasons = arena.strings(degradedReasons)
        var t = Efficientrec__V1__ServerTimings()
        efficientrec__v1__server_timings__init(&t)
        t.total_micros = timings.totalMicros; t.encode_micros = timings.encodeMicros
        t.fanout_micros = timings.fanoutMicros; t.merge_micros = timings.mergeMicros
        m.timings = arena.object(t)
        m.unknown_items = unknownItems
        m.truncated_interactions = truncatedInteractions
        m.filled_from_popularity = filledFromPopularity
        m.filtered_candidates = filteredCandidates
        let explanationPointers: [UnsafeMutablePointer<Efficientrec__V1__Explanation>?] = explanations.map { e in
            var c = Efficientrec__V1__Explanation()
            efficientrec__v1__explanation__init(&c)
            c.n_cluster_ids = e.clusterIDs.count; c.cluster_ids = arena.array(e.clusterIDs)
            c.n_cluster_shares = e.clusterShares.count; c.cluster_shares = arena.array(e.clusterShares)
            c.n_because_item_ids = e.becauseItemIDs.count; c.because_item_ids = arena.strings(e.becauseItemIDs)
            c.n_similarities = e.similarities.count; c.similarities = arena.array(e.similarities)
            return arena.object(c)
        }
        m.n_explanations = explanations.count
        m.explanations = arena.array(explanationPointers)
        return m
    }

    init(_ c: Efficientrec__V1__RecommendResponse, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
        itemIDs = try CRead.texts(c.n_item_ids, c.item_ids, field: "item_ids", limit: limits.maxItems, limits: limits)
        scores = try CRead.values(c.n_scores, c.scores, field: "scores", limit: limits.maxItems)
        clusterIDs = try CRead.values(c.n_cluster_ids, c.cluster_ids, field: "cluster_ids", limit: limits.maxClusters)
        clusterWeights = try CRead.values(c.n_cluster_weights, c.cluster_weights, field: "cluster_weights", limit: limits.maxClusters)
        modelVersion = try CRead.text(c.model_version, field: "model_version", limits: limits)
        coverage = c.coverage
        degradedReasons = try CRead.texts(
            c.n_degraded_reasons, c.degraded_reasons, field: "degraded_reasons",
            limit: limits.maxClusters, limits: limits)
        if let t = c.timings?.pointee {
            timings.totalMicros = t.total_micros; timings.encodeMicros = t.encode_micros
            timings.fanoutMicros = t.fanout_micros; timings.mergeMicros = t.merge_micros
        }
        unknownItems = c.unknown_items
        truncatedInteractions = c.truncated_interactions
        filledFromPopularity = c.filled_from_popularity
        filteredCandidates = c.filtered_candidates
        guard c.n_explanations == 0 || c.n_explanations == itemIDs.count else {
            throw .lengthMismatch(field: "explanations", expected: itemIDs.count, found: c.n_explanations)
        }
        for k in 0..<c.n_explanations {
            guard let p = c.explanations?[k]?.pointee else { continue }
            var e = Explanation()
            e.clusterIDs = try CRead.values(p.n_cluster_ids, p.cluster_ids, field: "explanations.cluster_ids", limit: limits.maxClusters)
            e.clusterShares = try CRead.values(p.n_cluster_shares, p.cluster_shares, field: "explanations.cluster_shares", limit: limits.maxClusters)
            e.becauseItemIDs = try CRead.texts(
                p.n_because_item_ids, p.because_item_ids, field: "explanations.because_item_ids",
                limit: limits.maxHistory, limits: limits)
            e.similarities = try CRead.values(p.n_similarities, p.similarities, field: "explanations.similarities", limit: limits.maxHistory)
            guard e.clusterShares.count == e.clusterIDs.count, e.similarities.count == e.becauseItemIDs.count else {
                throw .lengthMismatch(field: "explanations", expected: e.clusterIDs.count, found: e.clusterShares.count)
            }
            explanations.append(e)
        }
        guard scores.count == itemIDs.count else { throw .lengthMismatch(field: "scores", expected: itemIDs.count, found: scores.count) }
        guard clusterWeights.count == clusterIDs.count else {
            throw .lengthMismatch(field: "cluster_weights", expected: clusterIDs.count, found: clusterWeights.count)
        }
        // A server never sends non-finite numbers: such a frame is damaged (found by the fuzzer).
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(field: "scores", reason: "score \(bad) is \(scores[bad])")
        }
        if let bad = clusterWeights.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(field: "cluster_weights", reason: "weight \(bad) is \(clusterWeights[bad])")
        }
        guard coverage.isFinite, (0...1).contains(coverage) else {
            throw .invalidValue(field: "coverage", reason: "\(coverage) is not between 0 and 1")
        }
    }
}
