import RecData
import RecMath
import RecVote

/// A trained model ready to serve: encoder weights, item table, shortlists, the sparse item–item
/// model of the two-stage ranking and the popularity fallback. Its size is
/// O(items·(d + N) + d² + d·K + K·L) and never depends on the number of users.
public struct RecommenderModel: Sendable {
    public let configuration: ModelConfiguration
    public let items: IDMap
    public let itemFeatures: ItemFeatures
    public let attributes: UserAttributes
    /// Encoder parameters (the training-only decoder is not kept).
    public let parameters: ParameterSet
    public let shortlists: Shortlists
    /// Items by decreasing number of training users who liked them (the documented fallback).
    public let popularity: [Int]
    public let encoder: Encoder
    /// The content-derived model version (set when the model is encoded or loaded).
    public package(set) var version = "unsaved"
    /// f_i for every item, computed once at load.
    public let itemVectors: Matrix

    /// β_i, the decoder's per-item bias (`itemBias`; empty without it): added once to every voted
    /// item's score, weighted by `popularityWeight`.
    public let itemBias: [Float]

    /// B, the sparse item–item model that ranks the pool (`ranking` two-stage); nil in models
    /// written before it existed.
    public let itemModel: ItemItemWeights?

    /// max |B[j, ·]| per row of `itemModel`, max |score| per shortlist and max |β|: the blend's
    /// bounds (`BlendScale.bound`), derived at load.
    public let itemModelRowMaxima: [Float]
    public let shortlistMaxima: [Float]
    public let itemBiasMaximum: Float

    /// The encoder's forward pass with its parameters resolved (built at load).
    let forward: ServingForward
    /// Item ID → index for requests, hashed over the IDs' bytes (built at load).
    public let itemLookup: StringIndexTable

    public init(
        configuration: ModelConfiguration, items: IDMap, itemFeatures: ItemFeatures, attributes: UserAttributes,
        parameters: ParameterSet, shortlists: Shortlists, popularity: [Int], itemBias: [Float] = [],
        itemModel: ItemItemWeights? = nil
    ) {
        // Without an item–item model there is nothing to rank two-stage with: the vote ranks.
        var configuration = configuration
        if itemModel == nil { configuration.ranking = .vote }
        self.configuration = configuration
        self.items = items
        self.itemFeatures = itemFeatures
        self.attributes = attributes
        self.parameters = parameters.removing("decoder.items").removing("decoder.bias")
        self.itemBias = itemBias
        self.itemModel = itemModel
        self.shortlists = shortlists
        itemModelRowMaxima = itemModel?.rowMaxima() ?? []
        shortlistMaxima = shortlists.listMaxima()
        itemBiasMaximum = itemBias.reduce(Float(0)) { Swift.max($0, abs($1)) }
        self.popularity = popularity
        encoder = Encoder(
            configuration: configuration, features: itemFeatures,
            attributeVocabularySizes: attributes.vocabularies.map(\.count))
        var vectors = Matrix(rows: items.count, cols: configuration.embeddingDim)
        let chunk = 4096
        var start = 0
        while start < items.count {
            let part = Array(start..<min(items.count, start + chunk))
            let f = encoder.itemVectors(part, parameters: self.parameters)
            vectors.values.replaceSubrange((start * vectors.cols)..<((start + part.count) * vectors.cols), with: f.values)
            start += chunk
        }
        itemVectors = vectors
        forward = ServingForward(
            parameters: self.parameters, configuration: configuration, inputWidth: encoder.profileInputWidth,
            attributeColumns: attributes.vocabularies.count)
        itemLookup = StringIndexTable(items.ids)
    }

    /// Soft cluster activations s_u for one profile input (the serving-time forward pass).
    public func clusterActivations(_ input: ProfileInput) -> [Float] {
        forward.activations(aggregate: aggregate(input), attributes: input.attributes)
    }

    /// The cluster logits behind `clusterActivations` (what the balanced assignment shifts).
    public func clusterLogits(_ input: ProfileInput) -> [Float] {
        forward.logits(aggregate: aggregate(input), attributes: input.attributes)
    }

    /// The unclipped aggregate Σ w_ui f_i (one hop over the user–item graph).
    public func aggregate(_ input: ProfileInput) -> [Float] {
        let d = configuration.embeddingDim
        var q = [Float](repeating: 0, count: d)
        // Item by item, element by element: the same additions in the same order as the training
        // code, over raw pointers so the inner loop vectorises.
        itemVectors.values.withUnsafeBufferPointer { f in
            q.withUnsafeMutableBufferPointer { q in
                for (i, w) in zip(input.items, input.weights) {
                    let row = UnsafeBufferPointer(rebasing: f[(i * d)..<((i + 1) * d)])
                    for c in 0..<d { q[c] += w * row[c] }
                }
            }
        }
        return q
    }

    /// The user's top-C clusters with their activations, best first.
    public func topClusters(_ activations: [Float]) -> [(index: Int, score: Float)] {
        TopK.select(activations, k: configuration.topClusters)
    }

    public func makeVote() -> ClusterVote { ClusterVote(itemCount: items.count) }

    /// Everything about a request that comes before the vote: the profile, the chosen clusters
    /// and the items to exclude. The sharded coordinator runs exactly this, then the vote
    /// elsewhere, then `complete`.
    public struct PreparedRequest: Sendable {
        public var clusters: [(index: Int, score: Float)]
        /// The history's items, sorted, without duplicates (never recommended back).
        public var excluded: [Int]
        public var fallback: Recommendation.Fallback
        public var truncatedInteractions: Int
        /// The request's filter, once applied (`apply`): the popularity fill honours it too.
        public var filter: ItemFilter?
        /// Distinct items of the top clusters' shortlists the filter removed.
        public var filteredCandidates = 0
        /// The history items whose item–item rows score the pool: the window's distinct items, sorted.
        public var rankingItems: [Int] = []
    }

    public func prepare(history: UserHistory, attributes: [Int]) -> PreparedRequest {
        // The window once: it shapes the profile and, two-stage, chooses the rows that score the pool.
        let kept = ProfileInput.window(history, configuration: configuration)
        var unused = SeededRandom(seed: 0)
        let input = ProfileInput.from(
            history: history, attributes: attributes, configuration: configuration, training: false,
            rng: &unused, kept: kept)
        let clusters = input.isEmpty ? [] : topClusters(clusterActivations(input))
        let excluded = SortedDistinct.of(history.items)
        var prepared = PreparedRequest(
            clusters: clusters, excluded: excluded, fallback: input.isEmpty ? .popularity : .none,
            truncatedInteractions: max(0, history.count - configuration.window))
        if ranksTwoStage {
            if history.count <= configuration.window {
                prepared.rankingItems = excluded
            } else {
                prepared.rankingItems = SortedDistinct.of(kept.map { history.items[$0] })
            }
        }
        return prepared
    }

    /// The pool is ranked by the item–item model blended with the vote (else by the vote).
    public var ranksTwoStage: Bool { configuration.ranking == .twoStage }

    /// Ranks the pool the clusters voted for (`votes`, left empty): the top k not excluded, by the
    /// configured ranking. The offline path and the coordinator both end here, so their answers
    /// agree bit for bit.
    public func rank(_ prepared: PreparedRequest, votes: inout VoteAccumulator, k: Int) -> [(index: Int, score: Float)] {
        guard !prepared.clusters.isEmpty else { votes.reset(); return [] }
        if let itemModel, configuration.ranking == .twoStage {
            return votes.topTwoStage(
                k: k, excluding: prepared.excluded, reduction: configuration.voteReduction, itemModel: itemModel,
                history: prepared.rankingItems, voteWeight: configuration.voteWeight,
                bounds: configuration.blendScale == .bound ? blendBounds(prepared) : nil)
        }
        return votes.top(k: k, excluding: prepared.excluded, reduction: configuration.voteReduction)
    }

    /// What `BlendScale.bound` divides the two terms by: the largest vote the top clusters can
    /// give (Σ s_c · max |D_c·| with the summed vote, the largest term with the mean; plus
    /// `popularityWeight` · max |β| with an item bias) and Σ over the ranking rows of max |B_j·|.
    /// Known before any candidate is scored.
    public func blendBounds(_ prepared: PreparedRequest) -> (vote: Float, itemItem: Float) {
        var vote: Float = 0
        for (c, s) in prepared.clusters where c >= 0 && c < shortlistMaxima.count {
            let term = abs(s) * shortlistMaxima[c]
            vote = configuration.voteReduction == .sum ? vote + term : Swift.max(vote, term)
        }
        if !itemBias.isEmpty && configuration.popularityWeight > 0 { vote += configuration.popularityWeight * itemBiasMaximum }
        var itemItem: Float = 0
        for j in prepared.rankingItems where j >= 0 && j < itemModelRowMaxima.count { itemItem += itemModelRowMaxima[j] }
        return (vote, itemItem)
    }

    /// The answer from the voted items: completed from the popularity list when shorter than k.
    public func complete(_ prepared: PreparedRequest, voted: [(index: Int, score: Float)], k: Int) -> Recommendation {
        var result = Recommendation()
        result.clusters = prepared.clusters
        result.fallback = prepared.fallback
        result.truncatedInteractions = prepared.truncatedInteractions
        result.filteredCandidates = prepared.filteredCandidates
        result.items = voted
        if result.items.count < k {
            var present = Set(result.items.map(\.index))
            // `excluded` is sorted: a binary search instead of hashing it (with a filter it holds
            // the removed candidates too, often a thousand items).
            let excluded = prepared.excluded
            func isExcluded(_ i: Int) -> Bool {
                var lo = 0, hi = excluded.count
                while lo < hi { let mid = (lo + hi) >> 1; if excluded[mid] < i { lo = mid + 1 } else { hi = mid } }
                return lo < excluded.count && excluded[lo] == i
            }
            for i in popularity
            where result.items.count < k && !isExcluded(i)
                && prepared.filter?.allows(i, features: itemFeatures) != false && present.insert(i).inserted
            {
                result.items.append((i, 0))
                result.filledFromPopularity += 1
            }
        }
        return result
    }

    /// Applies a request's filter before the vote: the items of its top clusters' shortlists that
    /// fail it join the history in `excluded` (sorted, distinct), so no shard votes for them, and
    /// the popularity fill checks it. One pass over the C × L shortlist entries, deduplicated and
    /// ordered through bit sets over the catalogue (no sorting; 125 KB each at a million items).
    public func apply(_ filter: ItemFilter, to prepared: inout PreparedRequest) {
        let words = (items.count + 63) >> 6
        var seen = [UInt64](repeating: 0, count: words)
        var removed = [UInt64](repeating: 0, count: words)
        for (c, _) in prepared.clusters {
            for e in shortlists.list(c) {
                let i = Int(shortlists.items[e]), w = i >> 6, bit = UInt64(1) << UInt64(i & 63)
                if seen[w] & bit != 0 { continue }
                seen[w] |= bit
                if !filter.allows(i, features: itemFeatures) { removed[w] |= bit }
            }
        }
        // Items of the history are excluded anyway: they do not count as filtered.
        for i in prepared.excluded { removed[i >> 6] &= ~(UInt64(1) << UInt64(i & 63)) }
        var merged: [Int] = []
        var filtered = 0
        var a = 0
        let history = prepared.excluded
        for w in 0..<words where removed[w] != 0 {
            var bits = removed[w]
            filtered += bits.nonzeroBitCount
            while bits != 0 {
                let i = w << 6 | bits.trailingZeroBitCount
                bits &= bits - 1
                while a < history.count && history[a] < i { merged.append(history[a]); a += 1 }
                merged.append(i)
            }
        }
        if filtered > 0 {
            merged.append(contentsOf: history[a...])
            prepared.excluded = merged
        }
        prepared.filter = filter
        prepared.filteredCandidates = filtered
    }

    /// Recommends for a history of item indices (already mapped; see `mapHistory` for IDs).
    public func recommend(
        history: UserHistory, attributes: [Int], k: Int, vote: inout ClusterVote,
        filter: ItemFilter? = nil
    ) -> Recommendation {
        var prepared = prepare(history: history, attributes: attributes)
        if let filter { apply(filter, to: &prepared) }
        for (c, s) in prepared.clusters { vote.add(cluster: c, weight: s, shortlists: shortlists) }
        addItemBias(to: &vote.accumulator)
        let voted = rank(prepared, votes: &vote.accumulator, k: k)
        return complete(prepared, voted: voted, k: k)
    }

    /// Adds β_i × `popularityWeight` once to every item the clusters voted for (a no-op without an
    /// item bias). Run once, after all of the user's clusters are in.
    public func addItemBias(to accumulator: inout VoteAccumulator) {
        guard !itemBias.isEmpty, configuration.popularityWeight > 0 else { return }
        accumulator.addToTouched(itemBias, weight: configuration.popularityWeight)
    }

    /// Maps external item IDs to indices, skipping (and counting) unknown ones.
    public func mapHistory(itemIDs: [String], ratings: [Float], timestamps: [Double]? = nil) -> (UserHistory, unknown: Int) {
        var items: [Int] = [], kept: [Float] = [], times: [Double] = []
        items.reserveCapacity(itemIDs.count); kept.reserveCapacity(itemIDs.count); times.reserveCapacity(itemIDs.count)
        var unknown = 0
        for (k, id) in itemIDs.enumerated() {
            guard let i = itemLookup.index(of: id) else { unknown += 1; continue }
            items.append(i); kept.append(ratings[k]); times.append(timestamps?[k] ?? Double(k))
        }
        return (UserHistory(items: items, ratings: kept, timestamps: times), unknown)
    }
}
