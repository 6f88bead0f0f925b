import RecMath

/// Row-wise layer normalisation with a learned gain and bias.
public enum LayerNorm {
    public static let epsilon: Float = 1e-5

    public struct Cache: Sendable {
        public var normalized: Matrix
        public var inverseStd: [Float]
    }

    public static func forward(_ x: Matrix, gain: Matrix, bias: Matrix) -> (Matrix, Cache) {
        var xhat = Matrix(rows: x.rows, cols: x.cols)
        var y = Matrix(rows: x.rows, cols: x.cols)
        var inv = [Float](repeating: 0, count: x.rows)
        let n = x.cols
        for r in 0..<x.rows {
            var mean: Float = 0
            for c in 0..<n { mean += x.values[r * n + c] }
            mean /= Float(n)
            var variance: Float = 0
            for c in 0..<n { let d = x.values[r * n + c] - mean; variance += d * d }
            variance /= Float(n)
            let s = 1 / (variance + epsilon).squareRoot()
            inv[r] = s
            for c in 0..<n {
                let h = (x.values[r * n + c] - mean) * s
                xhat.values[r * n + c] = h
                y.values[r * n + c] = h * gain.values[c] + bias.values[c]
            }
        }
        return (y, Cache(normalized: xhat, inverseStd: inv))
    }
}
