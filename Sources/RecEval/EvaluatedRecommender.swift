import RecData
import RecInference

/// What the evaluation protocol needs from any model: a ranked list for a history it has never seen
/// in training. The contract (tested for every model): at most k distinct items, none from the
/// history, deterministic.
public protocol EvaluatedRecommender {
    var name: String { get }
    func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int]
}

/// EfficientRec itself behind the evaluation contract.
public final class EfficientRecRecommender: EvaluatedRecommender {
    public let name: String
    public let model: RecommenderModel
    private var vote: ClusterVote

    public init(name: String = "efficientrec", model: RecommenderModel) {
        self.name = name
        self.model = model
        vote = model.makeVote()
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        model.recommend(history: history, attributes: attributes, k: k, vote: &vote).items.map(\.index)
    }
}
