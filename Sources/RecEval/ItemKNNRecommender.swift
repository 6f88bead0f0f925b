import RecData
import RecMath
import RecModel

/// Item-kNN with cosine similarity on binary interaction vectors, `neighbors` kept per item;
/// score(j) = Σ over history items i of sim(i, j).
public struct ItemKNNRecommender: EvaluatedRecommender {
    public let name = "itemknn"
    let neighbors: [[(index: Int, score: Float)]]
    let itemCount: Int

    public init(train: Dataset, neighbors: Int = 100) {
        let n = train.log.items.count
        itemCount = n
        var gram = Matrix(rows: n, cols: n)
        let users = train.log.users.count
        var start = 0
        while start < users {
            let part = start..<min(users, start + 512)
            var x = Matrix(rows: part.count, cols: n)
            for (r, u) in part.enumerated() { for i in train.log.history(of: u).items { x[r, i] = 1 } }
            BLAS.gemm(x, transposeA: true, x, beta: 1, into: &gram)
            start += 512
        }
        let norms = (0..<n).map { gram[$0, $0].squareRoot() }
        self.neighbors = (0..<n).map { i in
            guard norms[i] > 0 else { return [] }
            let sims = (0..<n).map { j in j == i || norms[j] == 0 ? 0 : gram[i, j] / (norms[i] * norms[j]) }
            return TopK.select(sims, k: neighbors).filter { $0.score > 0 }
        }
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        var scores = [Float](repeating: 0, count: itemCount)
        for i in Set(history.items).sorted() { for (j, s) in neighbors[i] { scores[j] += s } }
        let seen = Set(history.items)
        return TopK.select(scores, k: k) { !seen.contains($0) && scores[$0] > 0 }.map(\.index)
    }
}

/// EASE as a baseline (full item–item scoring of the whole catalogue).
public struct EASERecommender: EvaluatedRecommender {
    public let name = "ease"
    let ease: EASE

    public init(train: Dataset, lambda: Float = 500) throws(MathError) {
        ease = try EASE(log: train.log, lambda: lambda, scale: train.ratingScale, likedOnly: false)
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        let scores = ease.scores(items: history.items)
        let seen = Set(history.items)
        return TopK.select(scores, k: k) { !seen.contains($0) }.map(\.index)
    }
}
