import Foundation
import RecData
import RecMath

/// Each cluster's shortlist SL(c): up to L (item, score) pairs, best first.
public struct Shortlists: Equatable, Sendable {
    /// `offsets[c]..<offsets[c+1]` indexes `items` and `scores`.
    public private(set) var offsets: [Int]
    public private(set) var items: [Int32]
    public private(set) var scores: [Float]

    public init(offsets: [Int], items: [Int32], scores: [Float]) {
        self.offsets = offsets
        self.items = items
        self.scores = scores
    }

    public init(lists: [[(index: Int, score: Float)]]) {
        var offsets = [0], items: [Int32] = [], scores: [Float] = []
        for list in lists {
            for (i, s) in list { items.append(Int32(i)); scores.append(s) }
            offsets.append(items.count)
        }
        self.init(offsets: offsets, items: items, scores: scores)
    }

    public var clusterCount: Int { offsets.count - 1 }

    public func list(_ cluster: Int) -> Range<Int> { offsets[cluster]..<offsets[cluster + 1] }

    /// max |score| of every cluster's list (0 for an empty list).
    public func listMaxima() -> [Float] {
        (0..<clusterCount).map { c in list(c).reduce(Float(0)) { Swift.max($0, abs(scores[$1])) } }
    }

    public func entries(_ cluster: Int) -> [(index: Int, score: Float)] {
        list(cluster).map { (Int(items[$0]), scores[$0]) }
    }

    /// Shortlists from a learned items × K decoder: the top-L items of each cluster's column (always
    /// min(L, items) of them, so the model size depends only on K, L and the catalogue). One pass over
    /// the decoder, row by row, with one bounded heap per cluster.
    /// With `rankingBias` (β, one per item) the lists hold each cluster's top items by D_ic + β_i,
    /// still scored D_ic (the vote adds β once per item).
    public static func fromDecoder(_ decoder: Matrix, length: Int, rankingBias: [Float]? = nil) -> Shortlists {
        let k = decoder.cols
        var heaps = (0..<k).map { _ in TopK.BoundedHeap(k: length) }
        decoder.values.withUnsafeBufferPointer { all in
            for item in 0..<decoder.rows {
                let base = item * k
                let shift = rankingBias?[item] ?? 0
                for c in 0..<k { heaps[c].offer((item, all[base + c] + shift)) }
            }
        }
        guard rankingBias != nil else { return Shortlists(lists: heaps.map { $0.sorted() }) }
        return Shortlists(
            lists: heaps.enumerated().map { c, heap in
                heap.sorted().map { (index: $0.index, score: decoder.values[$0.index * k + c]) }
            })
    }

    /// The same lists with cluster c's scores multiplied by `factors[c]` (order kept: a positive
    /// factor does not reorder a list).
    public func scaled(by factors: [Float]) -> Shortlists {
        var out = self
        for c in 0..<clusterCount where c < factors.count {
            for e in list(c) { out.scores[e] = scores[e] * factors[c] }
        }
        return out
    }

    /// Shortlists counted over members: for every user u, for each of u's top clusters c
    /// and each item i that u liked, accumulate s_uc · y_ui; then aggregate per (c, i) and keep the top L.
    public static func fromMembers(
        memberships: [[(index: Int, score: Float)]], histories: (Int) -> UserHistory,
        itemCount: Int, clusterCount: Int, scale: RatingScale,
        aggregation: ModelConfiguration.ShortlistAggregation,
        smoothing: Float, length: Int
    ) -> Shortlists {
        var sums = [[Int: Double]](repeating: [:], count: clusterCount)
        var likers = [[Int: Int]](repeating: [:], count: clusterCount)
        var membership = [Double](repeating: 0, count: clusterCount)
        for (u, clusters) in memberships.enumerated() {
            let h = histories(u)
            for (c, s) in clusters {
                membership[c] += Double(s)
                for k in 0..<h.count where scale.isLiked(h.ratings[k]) {
                    let y = scale.implicit ? 1 : max(scale.normalized(h.ratings[k]), 1e-3)
                    sums[c][h.items[k], default: 0] += Double(s * y)
                    likers[c][h.items[k], default: 0] += 1
                }
            }
        }
        // The like rate of every item over all memberships (for `lift`).
        var overall = [Double](repeating: 0, count: itemCount)
        if aggregation == .lift {
            for c in 0..<clusterCount { for (item, sum) in sums[c] { overall[item] += sum } }
            let total = max(membership.reduce(0, +), 1e-12)
            for i in 0..<itemCount { overall[i] /= total }
        }
        return Shortlists(
            lists: (0..<clusterCount).map { c in
                let pairs: [(index: Int, score: Float)] = sums[c].map { item, sum in
                    let value: Double
                    switch aggregation {
                    case .mean: value = sum / Double(likers[c][item]!)
                    case .sum: value = sum
                    case .smoothed: value = sum / (Double(likers[c][item]!) + Double(smoothing))
                    case .membership: value = sum / max(membership[c], 1e-12)
                    case .lift:
                        let rate = sum / max(membership[c], 1e-12)
                        value = rate * Foundation.log(rate / max(overall[item], 1e-12))
                    }
                    return (item, Float(value))
                }
                return TopK.sorted(pairs, k: length)
            })
    }
}
