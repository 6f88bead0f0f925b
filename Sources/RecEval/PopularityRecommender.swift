import RecData
import RecInference
import RecMath
import RecTraining

/// Most popular: items by number of training users who liked them.
public struct PopularityRecommender: EvaluatedRecommender {
    public let name = "pop"
    let ranking: [Int]

    public init(train: Dataset) {
        ranking = ModelBuilder.popularity(train, limit: train.log.items.count)
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        let seen = Set(history.items)
        var out: [Int] = []
        for i in ranking where !seen.contains(i) {
            out.append(i)
            if out.count == k { break }
        }
        return out
    }
}
