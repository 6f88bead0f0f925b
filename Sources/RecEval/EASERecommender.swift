import RecData
import RecInference
import RecMath
import RecTraining

/// EASE as a baseline (item–item scoring of the whole catalogue), fitted on the catalogue's
/// `maxItems` most-interacted items when it is larger (the others score 0).
public struct EASERecommender: EvaluatedRecommender {
    public let name = "ease"
    let ease: EASE

    public init(train: Dataset, lambda: Float = 500, maxItems: Int = EASE.defaultMaxItems, threads: Int = 1) throws(MathError) {
        ease = try EASE(log: train.log, lambda: lambda, scale: train.ratingScale, likedOnly: false, maxItems: maxItems, threads: threads)
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        let scores = ease.scores(items: history.items)
        let seen = Set(history.items)
        return TopK.select(scores, k: k) { !seen.contains($0) }.map(\.index)
    }
}
