import Foundation
import RecData

/// Novelty and diversity of a recommendation list, next to its accuracy:
///
/// - **popularity rank**: each item's rank by how many training users interacted with it (1 = the
///   most popular; ties broken by item index; items no training user touched rank last). A list's
///   mean rank is higher when it recommends less popular items.
/// - **intra-list diversity**: the mean over pairs of a list's items of 1 − Jaccard(genres of one,
///   genres of the other); pairs in which neither item has a genre are left out, and a list with no
///   such pair has none. 0 = every item has the same genres, 1 = no two items share one.
public struct BeyondAccuracyMetrics: Sendable {
    /// Per item, its popularity rank (1-based).
    public let popularityRank: [Int]
    /// Per item, its sorted genre indices (empty when unknown).
    public let genres: [[Int]]

    public init(popularityRank: [Int], genres: [[Int]]) {
        self.popularityRank = popularityRank
        self.genres = genres.map { $0.sorted() }
    }

    /// Ranks the catalogue by interactions of `users` in `log`.
    public init(log: InteractionLog, users: [Int], genres: [[Int]]) {
        var counts = [Int](repeating: 0, count: log.items.count)
        for u in users {
            for k in log.userOffsets[u]..<log.userOffsets[u + 1] { counts[Int(log.itemIndices[k])] += 1 }
        }
        self.init(popularityRank: Self.ranks(counts: counts), genres: genres)
    }

    /// 1-based ranks by descending count, ties broken by index.
    public static func ranks(counts: [Int]) -> [Int] {
        let order = counts.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        var rank = [Int](repeating: 0, count: counts.count)
        for (position, item) in order.enumerated() { rank[item] = position + 1 }
        return rank
    }

    /// The mean popularity rank of a list's items (nil for an empty list or items outside the catalogue).
    public func meanPopularityRank(_ list: ArraySlice<Int>) -> Double? {
        let known = list.filter { $0 >= 0 && $0 < popularityRank.count }
        guard !known.isEmpty else { return nil }
        return Double(known.reduce(0) { $0 + popularityRank[$1] }) / Double(known.count)
    }

    /// The intra-list genre diversity of a list (nil when no pair of its items has a genre).
    public func intraListDiversity(_ list: ArraySlice<Int>) -> Double? {
        let items = list.filter { $0 >= 0 && $0 < genres.count }
        var total = 0.0, pairs = 0
        for a in items.indices {
            for b in items.indices where b > a {
                let x = genres[items[a]], y = genres[items[b]]
                guard !x.isEmpty || !y.isEmpty else { continue }
                total += 1 - Self.jaccard(x, y)
                pairs += 1
            }
        }
        return pairs == 0 ? nil : total / Double(pairs)
    }

    /// Jaccard similarity of two sorted index lists (at least one non-empty).
    static func jaccard(_ x: [Int], _ y: [Int]) -> Double {
        var i = 0, j = 0, common = 0
        while i < x.count && j < y.count {
            if x[i] == y[j] { common += 1; i += 1; j += 1 } else if x[i] < y[j] { i += 1 } else { j += 1 }
        }
        let union = x.count + y.count - common
        return union == 0 ? 1 : Double(common) / Double(union)
    }

    /// Means over lists of the two figures (each over the lists that have one).
    public func summarize(_ lists: [[Int]], k: Int) -> (popularityRank: Double?, diversity: Double?) {
        var rankSum = 0.0, rankLists = 0, diversitySum = 0.0, diversityLists = 0
        for list in lists {
            let top = list.prefix(k)
            if let r = meanPopularityRank(top) { rankSum += r; rankLists += 1 }
            if let d = intraListDiversity(top) { diversitySum += d; diversityLists += 1 }
        }
        return (
            rankLists == 0 ? nil : rankSum / Double(rankLists),
            diversityLists == 0 ? nil : diversitySum / Double(diversityLists)
        )
    }
}
