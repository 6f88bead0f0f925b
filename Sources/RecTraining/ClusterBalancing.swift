import RecInference
import RecMath

/// The balanced assignment of a trained encoder (`ModelConfiguration.clusterBalance`): offsets
/// fitted on training users' cluster logits so every cluster is chosen about equally often
/// (`BalancedAssignment`), subtracted from the output layer's bias. The encoder that results is an
/// ordinary encoder: serving, shards and the model file do not know it was balanced.
public enum ClusterBalancing {
    /// The parameters with `fraction` of the balancing offsets subtracted from `cluster.b`, the
    /// offsets themselves, and how many users they were fitted on. `inputs` are the training users'
    /// profiles; at most `users` of the non-empty ones (evenly spaced) are used. Unchanged when
    /// there is nothing to balance.
    public static func balanced(
        model: RecommenderModel, inputs: [ProfileInput], fraction: Float, users: Int,
        threads: Int
    ) -> (parameters: ParameterSet, offsets: [Float], fittedOn: Int) {
        let k = model.configuration.clusters
        let nonEmpty = inputs.indices.filter { !inputs[$0].isEmpty }
        guard fraction > 0, model.parameters.contains("cluster.b"), !nonEmpty.isEmpty, k > model.configuration.topClusters else {
            return (model.parameters, [Float](repeating: 0, count: k), 0)
        }
        let n = min(users, nonEmpty.count)
        let chosen = (0..<n).map { nonEmpty[$0 * nonEmpty.count / n] }
        var logits = Matrix(rows: n, cols: k)
        logits.values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachChunk(n, threads: threads, minimumChunk: 64) { rows in
                for r in rows {
                    let z = model.clusterLogits(inputs[chosen[r]])
                    for c in 0..<k { base[r * k + c] = z[c] }
                }
            }
        }
        let offsets = BalancedAssignment.offsets(scores: logits, top: model.configuration.topClusters, threads: threads)
        var parameters = model.parameters
        var bias = parameters["cluster.b"]
        for c in 0..<k { bias.values[c] -= fraction * offsets[c] }
        parameters["cluster.b"] = bias
        return (parameters, offsets, n)
    }
}
