import RecInference
import RecMath

/// The EASE teacher as the training loss reads it: for each fitted item, its `neighbours` largest
/// weights B[i, ·] (CSR). A user's teacher score for item j is Σ over the user's input items i of
/// B[i, j], so one example costs |input| × neighbours, whatever the catalogue size. With
/// `neighbours` ≥ the fitted items every weight is kept and the scores are EASE's exactly.
public struct DistillationTeacher: Sendable {
    public let itemCount: Int
    public let fittedItems: Int
    public let neighbours: Int
    /// `offsets[i]..<offsets[i+1]` indexes `targets`/`weights` for catalogue item i (empty when not fitted).
    let offsets: [Int]
    let targets: [Int32]
    let weights: [Float]

    public init(ease: EASE, neighbours: Int) {
        itemCount = ease.itemCount
        fittedItems = ease.fittedItems.count
        self.neighbours = neighbours
        let n = ease.fittedItems.count
        var offsets = [Int](repeating: 0, count: ease.itemCount + 1)
        var targets: [Int32] = [], weights: [Float] = []
        var kept = [[(index: Int, score: Float)]](repeating: [], count: ease.itemCount)
        ease.weights.values.withUnsafeBufferPointer { w in
            for (r, item) in ease.fittedItems.enumerated() {
                let row = UnsafeBufferPointer(rebasing: w[(r * n)..<((r + 1) * n)])
                // The diagonal is 0 by construction; it is not a neighbour.
                kept[item] = TopK.select(row, k: min(neighbours, n)).filter { $0.index != r }
            }
        }
        for i in 0..<ease.itemCount {
            for (k, v) in kept[i] { targets.append(Int32(ease.fittedItems[k])); weights.append(v) }
            offsets[i + 1] = targets.count
        }
        self.offsets = offsets
        self.targets = targets
        self.weights = weights
    }

    /// Adds the user's teacher scores into `scratch` (catalogue-sized, zero on entry for untouched
    /// items) and appends each newly touched item to `touched`. Inputs are de-duplicated and summed
    /// in ascending order, so the sums do not depend on the history's order.
    public func accumulate(inputs: [Int], into scratch: inout [Float], touched: inout [Int], seen: inout [Bool]) {
        for i in Set(inputs).sorted() where i < itemCount {
            for k in offsets[i]..<offsets[i + 1] {
                let j = Int(targets[k])
                if !seen[j] { seen[j] = true; touched.append(j) }
                scratch[j] += weights[k]
            }
        }
    }
}
