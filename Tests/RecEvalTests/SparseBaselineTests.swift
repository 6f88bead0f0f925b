import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecEval

/// The baselines that must run on Book-Crossing build from sparse histories; these tests pin them
/// to the dense textbook computation on small data.
final class SparseBaselineTests: XCTestCase {
    func testSparseItemKNNEqualsDenseCosineNeighbours() {
        let dataset = TestFixtures.generatedDataset(users: 150, items: 60)
        let log = dataset.log
        var x = Matrix(rows: log.users.count, cols: log.items.count)
        for u in 0..<log.users.count { for i in log.history(of: u).items { x[u, i] = 1 } }
        let gram = BLAS.product(x, transposeA: true, x)
        for threads in [1, 3] {
            let knn = ItemKNNRecommender(train: dataset, neighbors: 7, threads: threads)
            for i in 0..<log.items.count {
                let sims = (0..<log.items.count).map { j -> Float in
                    j == i || gram[i, i] == 0 || gram[j, j] == 0 ? 0 : gram[i, j] / (gram[i, i].squareRoot() * gram[j, j].squareRoot())
                }
                let expected = TopK.select(sims, k: 7).filter { $0.score > 0 }
                XCTAssertEqual(knn.neighbors[i].map(\.index), expected.map(\.index), "item \(i), threads \(threads)")
                for (a, b) in zip(knn.neighbors[i], expected) { XCTAssertEqual(a.score, b.score, accuracy: 1e-6) }
            }
        }
    }

    /// k-means assigns every user to the centroid most similar to its normalised binary vector, and
    /// the same seed gives the same clustering for any thread count.
    func testSparseKMeansIsDeterministicAcrossThreads() {
        let dataset = TestFixtures.generatedDataset(users: 200, items: 60, groups: 4)
        let one = KMeansVoteRecommender(train: dataset, clusters: 6, topClusters: 2, shortlistLength: 20, seed: 3, threads: 1)
        let two = KMeansVoteRecommender(train: dataset, clusters: 6, topClusters: 2, shortlistLength: 20, seed: 3, threads: 2)
        XCTAssertEqual(one.centroids, two.centroids)
        for c in 0..<6 {
            var norm: Float = 0
            for i in 0..<60 { norm += one.centroids[i, c] * one.centroids[i, c] }
            XCTAssertEqual(norm, 1, accuracy: 1e-4)
        }
        let h = dataset.log.history(of: 0)
        XCTAssertEqual(one.recommend(history: h, attributes: [], k: 10), two.recommend(history: h, attributes: [], k: 10))
    }
}
