import RecData
import RecInference
import RecMath

/// EASE (Steck, 2019): a closed-form item–item model, B = I − P · diag(1/diag(P)) with
/// P = (XᵀX + λI)⁻¹ and diag(B) = 0. Used as a baseline and as the distillation teacher.
///
/// The Gram comes from sparse co-occurrence counts. A catalogue larger than `maxItems` is fitted on
/// its `maxItems` most-interacted items (the inverse costs N³); the others score 0 and are reported
/// by `fittedItems` — never silently dropped.
public struct EASE: Sendable {
    /// N × N weights over `fittedItems` (row = input item, column = scored item).
    public let weights: Matrix
    /// Catalogue indices of the fitted items, in row order.
    public let fittedItems: [Int]
    /// The whole catalogue's size.
    public let itemCount: Int
    /// Row of each catalogue item in `weights`, or -1 when it was not fitted.
    public let row: [Int32]

    public static let defaultMaxItems = 10_000

    /// Fits on binary user vectors: with `likedOnly`, only interactions the scale calls liked count.
    public init(
        log: InteractionLog, users: [Int]? = nil, lambda: Float, scale: RatingScale, likedOnly: Bool,
        maxItems: Int = EASE.defaultMaxItems, threads: Int = 1
    ) throws(MathError) {
        itemCount = log.items.count
        let items: [Int]
        if log.items.count <= maxItems {
            items = Array(0..<log.items.count)
        } else {
            items = CooccurrenceGram.topItems(log: log, users: users, scale: scale, likedOnly: likedOnly, limit: maxItems)
        }
        fittedItems = items
        var row = [Int32](repeating: -1, count: itemCount)
        for (k, i) in items.enumerated() { row[i] = Int32(k) }
        self.row = row
        let n = items.count
        var gram = CooccurrenceGram.gram(
            log: log, users: users, items: items, scale: scale, likedOnly: likedOnly,
            threads: threads)
        for i in 0..<n { gram[i, i] += lambda }
        try Cholesky.invertInPlace(&gram)
        gram.values.withUnsafeMutableBufferPointer { v in
            for j in 0..<n {
                let d = v[j * n + j]
                for i in 0..<n { v[i * n + j] = i == j ? 0 : -v[i * n + j] / d }
            }
        }
        weights = gram
    }

    public var isPartial: Bool { fittedItems.count < itemCount }

    /// Scores for one user's items (a sum of rows of B), over the whole catalogue.
    public func scores(items: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: itemCount)
        let n = fittedItems.count
        weights.values.withUnsafeBufferPointer { w in
            for i in Set(items).sorted() where row[i] >= 0 {  // sorted: Set order differs between processes
                let base = Int(row[i]) * n
                for k in 0..<n { out[fittedItems[k]] += w[base + k] }
            }
        }
        return out
    }
}
