import Foundation
import RecInference
import RecMath

/// Cross-entropy between a (soft) target distribution over items and softmax(logits), row by row.
/// Masked items (e.g. the input half of the history) are excluded from the softmax.
/// Rows whose target is all zero are skipped; the loss is the mean over the remaining rows, or over
/// `meanOver` rows when given (a slice of a larger batch is scaled as its share of the whole).
public enum SoftmaxCrossEntropy {
    public static func forward(logits: Matrix, targets: Matrix, masked: [[Int]], meanOver: Int? = nil) -> (loss: Double, dLogits: Matrix) {
        let n = logits.cols
        var d = Matrix(rows: logits.rows, cols: n)
        var total: Double = 0
        var validRows = 0
        var probs = [Float](repeating: 0, count: n)
        var excluded = [Bool](repeating: false, count: n)
        for b in 0..<logits.rows {
            var targetMass: Float = 0
            for c in 0..<n { targetMass += targets.values[b * n + c] }
            guard targetMass > 0 else { continue }
            validRows += 1
            for i in masked[b] { excluded[i] = true }
            var maxLogit = -Float.infinity
            for c in 0..<n where !excluded[c] { maxLogit = max(maxLogit, logits.values[b * n + c]) }
            var sum: Double = 0
            for c in 0..<n {
                if excluded[c] { probs[c] = 0; continue }
                let e = Foundation.exp(logits.values[b * n + c] - maxLogit)
                probs[c] = e
                sum += Double(e)
            }
            let logSum = Foundation.log(sum)
            for c in 0..<n where !excluded[c] {
                let t = targets.values[b * n + c]
                if t > 0 { total -= Double(t) * (Double(logits.values[b * n + c] - maxLogit) - logSum) }
                d.values[b * n + c] = Float(Double(probs[c]) / sum) * targetMass - t
            }
            for i in masked[b] { excluded[i] = false }
        }
        let rows = meanOver ?? validRows
        guard validRows > 0, rows > 0 else { return (0, d) }
        let scale = 1 / Float(rows)
        for k in 0..<d.values.count { d.values[k] *= scale }
        return (total / Double(rows), d)
    }

    /// The rows the loss averages over: those with some target mass.
    public static func scoredRows(_ targets: Matrix) -> Int {
        var rows = 0
        for b in 0..<targets.rows where targets.row(b).contains(where: { $0 > 0 }) { rows += 1 }
        return rows
    }
}
