import RecData
import RecMath
import RecModel

/// The untrained ablation: spherical k-means on training users' binary interaction vectors,
/// support-aware shortlists (P(like | cluster) over the cluster's members) and a summed vote over
/// the top-C clusters weighted by cosine similarity — EfficientRec's serving path without a
/// learned encoder.
public final class KMeansVoteRecommender: EvaluatedRecommender {
    public let name = "kmeans"
    let centroids: Matrix
    let shortlists: Shortlists
    let topClusters: Int
    var vote: ClusterVote

    public init(train: Dataset, clusters k: Int, topClusters: Int, shortlistLength: Int, iterations: Int = 15, seed: UInt64) {
        let n = train.log.items.count
        let users = train.log.users.count
        var x = Matrix(rows: users, cols: n)
        for u in 0..<users {
            let items = train.log.history(of: u).items
            let w = 1 / Float(max(1, items.count)).squareRoot()
            for i in items { x[u, i] = w }
        }
        let k = max(1, min(k, users))
        var rng = SeededRandom(seed: seed)
        var order = Array(0..<users)
        rng.shuffle(&order)
        var centroids = x.gatherRows(Array(order.prefix(k)))
        var assignment = [Int](repeating: 0, count: users)
        for _ in 0..<iterations {
            let sims = BLAS.product(x, centroids, transposeB: true)
            for u in 0..<users { assignment[u] = TopK.select(Array(sims.row(u)), k: 1).first?.index ?? 0 }
            var sums = Matrix(rows: k, cols: n)
            var sizes = [Int](repeating: 0, count: k)
            for u in 0..<users {
                sizes[assignment[u]] += 1
                for c in 0..<n { sums[assignment[u], c] += x[u, c] }
            }
            for c in 0..<k {
                if sizes[c] == 0 { sums.setRow(c, x.row(order[rng.below(users)])) }
                var norm: Float = 0
                for j in 0..<n { norm += sums[c, j] * sums[c, j] }
                norm = max(norm.squareRoot(), 1e-12)
                for j in 0..<n { sums[c, j] /= norm }
            }
            centroids = sums
        }
        self.centroids = centroids
        let memberships = (0..<users).map { [(index: assignment[$0], score: Float(1))] }
        shortlists = Shortlists.fromMembers(memberships: memberships, histories: { train.log.history(of: $0) },
                                            itemCount: n, clusterCount: k, scale: train.ratingScale,
                                            aggregation: .membership, smoothing: 0, length: shortlistLength)
        self.topClusters = topClusters
        vote = ClusterVote(itemCount: n)
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        guard !history.items.isEmpty else { return [] }
        var x = [Float](repeating: 0, count: centroids.cols)
        let w = 1 / Float(history.items.count).squareRoot()
        for i in history.items { x[i] = w }
        let sims = BLAS.gemv(centroids, x)
        for (c, s) in TopK.select(sims, k: topClusters) where s > 0 {
            vote.add(cluster: c, weight: s, shortlists: shortlists)
        }
        return vote.top(k: k, excluding: history.items, reduction: .sum).map(\.index)
    }
}
