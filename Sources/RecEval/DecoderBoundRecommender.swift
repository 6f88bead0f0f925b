import RecData
import RecInference
import RecMath
import RecTraining

/// A diagnostic, not a served model: the trained encoder and decoder with the shortlists taken
/// away. The user's top-C clusters score *every* item by Σ_c s_uc · D_ic (+ β_i with an item bias),
/// so the gap between this and the served vote is all that shortlists (C × L entries) can cost,
/// and the gap between this and EASE is the encoder's and decoder's own (`evaluate --decoder-bound`).
public final class DecoderBoundRecommender: EvaluatedRecommender {
    public let name: String
    private let model: RecommenderModel
    private let decoder: Matrix

    /// `decoder` is the items × K matrix the model's shortlists were cut from.
    public init(name: String = "efficientrec-dense", model: RecommenderModel, decoder: Matrix) {
        self.name = name
        self.model = model
        self.decoder = decoder
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        let prepared = model.prepare(history: history, attributes: attributes)
        var excluded = [Bool](repeating: false, count: decoder.rows)
        for i in prepared.excluded where i < decoder.rows { excluded[i] = true }
        guard !prepared.clusters.isEmpty else {
            return Array(model.popularity.lazy.filter { $0 >= self.decoder.rows || !excluded[$0] }.prefix(k))
        }
        let width = decoder.cols
        let bias = model.itemBias
        var scores = [Float](repeating: 0, count: decoder.rows)
        decoder.values.withUnsafeBufferPointer { d in
            for i in 0..<decoder.rows {
                var s: Float = bias.isEmpty ? 0 : bias[i]
                for (c, w) in prepared.clusters { s += w * d[i * width + c] }
                scores[i] = s
            }
        }
        return TopK.select(scores, k: k) { !excluded[$0] }.map(\.index)
    }
}
