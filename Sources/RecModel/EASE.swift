import RecData
import RecMath

/// EASE (Steck, 2019): a closed-form item–item model, B = I − P · diag(1/diag(P)) with
/// P = (XᵀX + λI)⁻¹ and diag(B) = 0. Used as a baseline and as the distillation teacher.
public struct EASE: Sendable {
    public let weights: Matrix
    public let itemCount: Int

    /// Fits on binary user vectors: with `likedOnly`, only interactions the scale calls liked count.
    public init(log: InteractionLog, users: [Int]? = nil, lambda: Float, scale: RatingScale, likedOnly: Bool) throws(MathError) {
        let n = log.items.count
        itemCount = n
        var gram = Matrix(rows: n, cols: n)
        let selected = users ?? Array(0..<log.users.count)
        let chunk = 512
        var start = 0
        while start < selected.count {
            let part = selected[start..<min(selected.count, start + chunk)]
            var x = Matrix(rows: part.count, cols: n)
            for (r, u) in part.enumerated() {
                let h = log.history(of: u)
                for k in 0..<h.count where !likedOnly || scale.isLiked(h.ratings[k]) { x[r, h.items[k]] = 1 }
            }
            BLAS.gemm(x, transposeA: true, x, beta: 1, into: &gram)
            start += chunk
        }
        for i in 0..<n { gram[i, i] += lambda }
        var p = try Cholesky.inverse(gram)
        for j in 0..<n {
            let d = p[j, j]
            for i in 0..<n { p[i, j] = i == j ? 0 : -p[i, j] / d }
        }
        weights = p
    }

    /// Scores for a batch of binary input rows (batch × items).
    public func scores(_ inputs: Matrix) -> Matrix { BLAS.product(inputs, weights) }

    /// Scores for one user's items (a sum of rows of B).
    public func scores(items: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: itemCount)
        for i in Set(items).sorted() { // sorted: Set order differs between processes
            for j in 0..<itemCount { out[j] += weights[i, j] }
        }
        return out
    }
}
