import RecData
import RecInference

/// What the evaluation protocol needs from any model: a ranked list for a history it has never seen
/// in training. The contract (tested for every model): at most k distinct items, none from the
/// history, deterministic.
public protocol EvaluatedRecommender {
    var name: String { get }
    /// The size of the candidate pool it ranks (C × L), when it ranks one.
    var candidatePool: Int? { get }
    func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int]
}

extension EvaluatedRecommender {
    public var candidatePool: Int? { nil }
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

    public var candidatePool: Int? { model.configuration.topClusters * model.configuration.shortlistLength }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        model.recommend(history: history, attributes: attributes, k: k, vote: &vote).items.map(\.index)
    }
}
