import RecData
import RecInference
import RecMath

/// The two-stage ranking's item–item model alone over the whole catalogue: Σ over the history of
/// B[j, ·], the top k not in the history. What the pool costs in accuracy is the gap between this
/// row and the two-stage row; what it saves is the catalogue scan.
public struct ItemItemRecommender: EvaluatedRecommender {
    public let name: String
    let weights: ItemItemWeights
    let itemCount: Int

    public init(name: String = "itemitem", weights: ItemItemWeights, itemCount: Int) {
        self.name = name
        self.weights = weights
        self.itemCount = itemCount
    }

    /// Whole-catalogue scores for a history (distinct items, ascending, as the two-stage ranking adds them).
    public func scores(history: UserHistory) -> [Float] {
        var distinct: [Int] = []
        for i in history.items.sorted() where distinct.last != i { distinct.append(i) }
        return weights.scores(history: distinct, itemCount: itemCount)
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        let scores = scores(history: history)
        let seen = Set(history.items)
        return TopK.select(scores, k: k) { !seen.contains($0) }.map(\.index)
    }
}
