import RecMath

/// Why an item was recommended: the user's clusters whose shortlists voted for it, with each one's
/// share of its vote (largest first), and the history items behind it — what a product shows as
/// "because you liked …". With the two-stage ranking these are the history items that contributed
/// most to its item–item score (the largest positive weights B[j, i]; `similarities` holds them);
/// with the vote alone, the history items most like it by the cosine of the item tower's vectors.
/// Computed from the model alone, so offline `recommend --explain` and the cluster give the same.
public struct ItemExplanation: Sendable, Equatable {
    public var clusters: [Int] = []
    public var shares: [Float] = []
    public var because: [Int] = []
    public var similarities: [Float] = []

    public init() {}
}

extension RecommenderModel {
    /// One explanation per item of `recommendation` (empty ones for the popularity fill). `history`
    /// is the user's items; the most recent `configuration.window` distinct ones are compared.
    /// Costs one pass over the top clusters' C × L shortlist entries and one (k × d)·(d × window)
    /// product (BLAS).
    public func explain(
        _ recommendation: Recommendation, history: [Int], clusters maxClusters: Int = 3,
        because maxBecause: Int = 3
    ) -> [ItemExplanation] {
        let voted = recommendation.items.count - recommendation.filledFromPopularity
        var out = [ItemExplanation](repeating: ItemExplanation(), count: recommendation.items.count)
        guard voted > 0 else { return out }
        let explained = ExplainedItems(recommendation.items.prefix(voted).map(\.index), catalogue: items.count)
        addClusterShares(recommendation, explained: explained, count: maxClusters, to: &out)
        if ranksTwoStage, let itemModel {
            addItemItemReasons(itemModel, history: history, explained: explained, count: maxBecause, to: &out)
        } else {
            addNearestHistoryItems(recommendation, history: history, voted: voted, count: maxBecause, to: &out)
        }
        return out
    }

    /// The voted items being explained, by position in the recommendation. Most shortlist entries
    /// are not among them: a bit set over the catalogue rejects those before any hashing.
    private struct ExplainedItems {
        let count: Int
        private var member: [UInt64]
        private var slot: [Int: Int]

        init(_ items: [Int], catalogue: Int) {
            count = items.count
            member = [UInt64](repeating: 0, count: (catalogue + 63) >> 6)
            slot = Dictionary(minimumCapacity: items.count)
            for (k, item) in items.enumerated() {
                slot[item] = k
                member[item >> 6] |= UInt64(1) << UInt64(item & 63)
            }
        }

        /// Item `i`'s position in the recommendation, or nil when it is not explained.
        func position(of i: Int) -> Int? {
            guard member[i >> 6] & (UInt64(1) << UInt64(i & 63)) != 0 else { return nil }
            return slot[i]
        }
    }

    /// Each explained item's clusters: the user's clusters whose shortlists voted for it, by their
    /// contribution w_c · s_c(i), with each one's share of the item's vote.
    private func addClusterShares(
        _ recommendation: Recommendation, explained: ExplainedItems, count maxClusters: Int,
        to out: inout [ItemExplanation]
    ) {
        var contributions = [[(index: Int, value: Float)]](repeating: [], count: explained.count)
        for (c, weight) in recommendation.clusters {
            for e in shortlists.list(c) {
                guard let k = explained.position(of: Int(shortlists.items[e])) else { continue }
                contributions[k].append((c, weight * shortlists.scores[e]))
            }
        }
        for k in 0..<explained.count {
            let total = contributions[k].reduce(Float(0)) { $0 + $1.value }
            let top = Self.best(contributions[k], count: maxClusters)
            out[k].clusters = top.map(\.index)
            out[k].shares = top.map { total > 0 ? $0.value / total : 0 }
        }
    }

    /// Two-stage: each explained item's history items with the largest positive weights B[j, i]
    /// (one pass over the history's rows).
    private func addItemItemReasons(
        _ itemModel: ItemItemWeights, history: [Int], explained: ExplainedItems,
        count maxBecause: Int, to out: inout [ItemExplanation]
    ) {
        var weights = [[(index: Int, value: Float)]](repeating: [], count: explained.count)
        for j in recentDistinct(history) where j < itemModel.rowCount {
            for e in itemModel.row(j) {
                let i = Int(itemModel.targets[e]), w = itemModel.weights[e]
                guard w > 0, let k = explained.position(of: i) else { continue }
                weights[k].append((j, w))
            }
        }
        for k in 0..<explained.count {
            let top = Self.best(weights[k], count: maxBecause)
            out[k].because = top.map(\.index)
            out[k].similarities = top.map(\.value)
        }
    }

    /// The vote alone: each of the first `voted` items' history items most like it, by the cosine
    /// of the item tower's vectors, in one product of the unit vectors (items with a zero vector
    /// take no part).
    private func addNearestHistoryItems(
        _ recommendation: Recommendation, history: [Int], voted: Int, count maxBecause: Int,
        to out: inout [ItemExplanation]
    ) {
        let recent = recentDistinct(history).filter { norm($0) > 0 }
        let explained = (0..<voted).filter { norm(recommendation.items[$0].index) > 0 }
        guard !recent.isEmpty, !explained.isEmpty else { return }
        let a = unitRows(explained.map { recommendation.items[$0].index })
        let b = unitRows(recent)
        let cosines = BLAS.product(a, b, transposeB: true)
        let n = recent.count
        cosines.values.withUnsafeBufferPointer { row in
            for (r, k) in explained.enumerated() {
                var top: [(index: Int, value: Float)] = []
                top.reserveCapacity(maxBecause + 1)
                for h in 0..<n { Self.offer((recent[h], row[r * n + h]), to: &top, count: maxBecause) }
                out[k].because = top.map(\.index)
                out[k].similarities = top.map(\.value)
            }
        }
    }

    private func norm(_ i: Int) -> Float {
        let d = itemVectors.cols
        var s: Float = 0
        for j in 0..<d { let v = itemVectors.values[i * d + j]; s += v * v }
        return s.squareRoot()
    }

    /// The item vectors of `items`, each scaled to length 1 (all have a positive norm).
    private func unitRows(_ items: [Int]) -> Matrix {
        let d = itemVectors.cols
        var m = Matrix(rows: items.count, cols: d)
        for (r, i) in items.enumerated() {
            let n = norm(i)
            for j in 0..<d { m.values[r * d + j] = itemVectors.values[i * d + j] / n }
        }
        return m
    }

    /// The `count` largest values, largest first; ties by the lower index. One pass, no sort.
    static func best(_ entries: [(index: Int, value: Float)], count: Int) -> [(index: Int, value: Float)] {
        var top: [(index: Int, value: Float)] = []
        for e in entries { offer(e, to: &top, count: count) }
        return top
    }

    /// Keeps `top` the `count` best entries seen so far (see `best`).
    @inline(__always)
    static func offer(_ e: (index: Int, value: Float), to top: inout [(index: Int, value: Float)], count: Int) {
        if top.count == count, let last = top.last, !(e.value > last.value || (e.value == last.value && e.index < last.index)) { return }
        let position = top.firstIndex { e.value > $0.value || (e.value == $0.value && e.index < $0.index) } ?? top.count
        guard position < count else { return }
        top.insert(e, at: position)
        if top.count > count { top.removeLast() }
    }

    /// The last `window` distinct items of a history, most recent last.
    private func recentDistinct(_ history: [Int]) -> [Int] {
        var seen = Set<Int>(), out: [Int] = []
        for i in history.reversed() where out.count < configuration.window && seen.insert(i).inserted { out.append(i) }
        return out.reversed()
    }
}
