import RecData
import RecInference
import RecMath

/// How much of what a user goes on to like the candidate pool holds: per test user, the share of
/// the held-out relevant items (outside the given history) that lie in the union of the user's
/// top-C shortlists, next to the share held by the same number of the whole-catalogue item–item
/// model's best items. The first bounds what any ranking of the pool can reach; the second says
/// what a pool of that size picked by the item–item model itself would hold.
public struct PoolRecall: Sendable {
    public var users = 0
    public var meanPoolSize = 0.0
    /// Mean over users of |relevant ∩ pool| / |relevant|.
    public var pool = 0.0
    /// Mean over users of |relevant ∩ item–item top-|pool|| / |relevant|; nil when not measured.
    public var itemItemSameSize: Double?

    /// `comparingItemItem: false` skips the item–item model's share (a whole-catalogue scoring per user).
    public init(
        model: RecommenderModel, cases: [StrongGeneralization.TestCase], threshold: Float, implicit: Bool, unrated: Float?,
        comparingItemItem: Bool = true
    ) {
        let itemItem = comparingItemItem ? model.itemModel.map { ItemItemRecommender(weights: $0, itemCount: model.items.count) } : nil
        var sizes = 0.0
        var sameSize = 0.0
        for t in cases {
            var relevant = Set<Int>()
            for k in t.heldOut.items.indices where implicit || t.heldOut.ratings[k] >= threshold || t.heldOut.ratings[k] == unrated {
                relevant.insert(t.heldOut.items[k])
            }
            relevant.subtract(t.given.items)
            guard !relevant.isEmpty else { continue }
            let prepared = model.prepare(history: t.given, attributes: t.attributes)
            var pool = Set<Int>()
            for (c, _) in prepared.clusters {
                for e in model.shortlists.list(c) { pool.insert(Int(model.shortlists.items[e])) }
            }
            pool.subtract(t.given.items)
            users += 1
            sizes += Double(pool.count)
            self.pool += Double(relevant.intersection(pool).count) / Double(relevant.count)
            if let itemItem {
                let top = itemItem.recommend(history: t.given, attributes: t.attributes, k: pool.count)
                sameSize += Double(relevant.intersection(top).count) / Double(relevant.count)
            }
        }
        let n = Double(max(1, users))
        meanPoolSize = sizes / n
        pool /= n
        if itemItem != nil { itemItemSameSize = sameSize / n }
    }

    public var description: String {
        guard let itemItemSameSize else {
            return "pool recall: the union of the top-C shortlists (on average " + String(format: "%.0f", meanPoolSize)
                + " items) holds " + String(format: "%.1f%%", 100 * pool) + " of a test user's held-out relevant items (\(users) users)"
        }
        return "pool recall: the union of the top-C shortlists (on average " + String(format: "%.0f", meanPoolSize)
            + " items) holds " + String(format: "%.1f%%", 100 * pool) + " of a test user's held-out relevant items; the item-item model's "
            + "best items, as many, hold " + String(format: "%.1f%%", 100 * itemItemSameSize) + " (\(users) users)"
    }
}
