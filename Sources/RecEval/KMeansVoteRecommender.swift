import RecData
import RecInference
import RecMath

/// The untrained ablation: spherical k-means on training users' binary interaction vectors,
/// support-aware shortlists (P(like | cluster) over the cluster's members) and a summed vote over
/// the top-C clusters weighted by cosine similarity — EfficientRec's serving path without a
/// learned encoder.
public final class KMeansVoteRecommender: EvaluatedRecommender {
    public let name = "kmeans"
    /// items × K: column c is centroid c (unit length), so a user's similarities are a sum of
    /// |history| rows — the vectors stay sparse and nothing is users × items.
    let centroids: Matrix
    let shortlists: Shortlists
    let topClusters: Int
    var vote: ClusterVote

    public init(
        train: Dataset, clusters k: Int, topClusters: Int, shortlistLength: Int, iterations: Int = 15, seed: UInt64,
        threads: Int = 1
    ) {
        let log = train.log
        let n = log.items.count
        let users = log.users.count
        let histories = (0..<users).map { u in Array(Set(log.itemIndices[log.userOffsets[u]..<log.userOffsets[u + 1]].map(Int.init))).sorted() }
        let weight = histories.map { 1 / Float(max(1, $0.count)).squareRoot() }
        let k = max(1, min(k, users))
        var rng = SeededRandom(seed: seed)
        var order = Array(0..<users)
        rng.shuffle(&order)
        var centroids = Matrix(rows: n, cols: k)
        for c in 0..<k { for i in histories[order[c]] { centroids[i, c] = weight[order[c]] } }
        var assignment = [Int](repeating: 0, count: users)
        for _ in 0..<iterations {
            assignment.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress!
                Parallel.forEachChunk(users, threads: threads) { range in
                    var sims = [Float](repeating: 0, count: k)
                    for u in range {
                        Self.similarities(histories[u], weight: weight[u], centroids: centroids, into: &sims)
                        base[u] = TopK.select(sims, k: 1).first?.index ?? 0
                    }
                }
            }
            var sums = Matrix(rows: n, cols: k)
            var sizes = [Int](repeating: 0, count: k)
            for u in 0..<users {
                sizes[assignment[u]] += 1
                for i in histories[u] { sums[i, assignment[u]] += weight[u] }
            }
            for c in 0..<k where sizes[c] == 0 {
                let u = order[rng.below(users)]
                for i in histories[u] { sums[i, c] = weight[u] }
            }
            var norms = [Float](repeating: 0, count: k)
            for i in 0..<n { for c in 0..<k { norms[c] += sums[i, c] * sums[i, c] } }
            for c in 0..<k { norms[c] = 1 / max(norms[c].squareRoot(), 1e-12) }
            for i in 0..<n { for c in 0..<k { sums[i, c] *= norms[c] } }
            centroids = sums
        }
        self.centroids = centroids
        let memberships = (0..<users).map { [(index: assignment[$0], score: Float(1))] }
        shortlists = Shortlists.fromMembers(
            memberships: memberships, histories: { train.log.history(of: $0) },
            itemCount: n, clusterCount: k, scale: train.ratingScale,
            aggregation: .membership, smoothing: 0, length: shortlistLength)
        self.topClusters = topClusters
        vote = ClusterVote(itemCount: n)
    }

    /// sims[c] = Σ over the history's items of weight · centroid[i, c].
    static func similarities(_ items: [Int], weight: Float, centroids: Matrix, into sims: inout [Float]) {
        let k = centroids.cols
        for c in 0..<k { sims[c] = 0 }
        centroids.values.withUnsafeBufferPointer { m in
            for i in items {
                let row = i * k
                for c in 0..<k { sims[c] += weight * m[row + c] }
            }
        }
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        let items = Array(Set(history.items.filter { $0 < centroids.rows })).sorted()
        guard !items.isEmpty else { return [] }
        var sims = [Float](repeating: 0, count: centroids.cols)
        Self.similarities(items, weight: 1 / Float(items.count).squareRoot(), centroids: centroids, into: &sims)
        for (c, s) in TopK.select(sims, k: topClusters) where s > 0 {
            vote.add(cluster: c, weight: s, shortlists: shortlists)
        }
        return vote.top(k: k, excluding: history.items, reduction: .sum).map(\.index)
    }
}
