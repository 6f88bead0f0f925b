import Foundation
import RecInference
import RecMath

// The backward passes of the layers the encoder is built of: training needs them, serving does not.

extension Linear {
    /// Returns dx and accumulates dW and db into the gradient tensors named `weight` and `bias`.
    public static func backward(
        _ x: Matrix, weight: Matrix, dOut: Matrix, gradients g: inout ParameterSet,
        weightName: String, biasName: String
    ) -> Matrix {
        let w = g.index(of: weightName)!, b = g.index(of: biasName)!
        BLAS.gemm(x, transposeA: true, dOut, beta: 1, into: &g.tensors[w])
        let sums = dOut.columnSums()
        for c in 0..<sums.count { g.tensors[b].values[c] += sums[c] }
        return BLAS.product(dOut, weight, transposeB: true)
    }
}

extension LayerNorm {
    public static func backward(
        _ cache: Cache, gain: Matrix, dOut: Matrix, gradients g: inout ParameterSet,
        gainName: String, biasName: String
    ) -> Matrix {
        let gi = g.index(of: gainName)!, bi = g.index(of: biasName)!
        let n = dOut.cols
        var dx = Matrix(rows: dOut.rows, cols: n)
        for r in 0..<dOut.rows {
            var sumDh: Float = 0, sumDhH: Float = 0
            for c in 0..<n {
                let grad = dOut.values[r * n + c]
                let h = cache.normalized.values[r * n + c]
                g.tensors[gi].values[c] += grad * h
                g.tensors[bi].values[c] += grad
                let dh = grad * gain.values[c]
                sumDh += dh
                sumDhH += dh * h
            }
            let s = cache.inverseStd[r] / Float(n)
            for c in 0..<n {
                let h = cache.normalized.values[r * n + c]
                let dh = dOut.values[r * n + c] * gain.values[c]
                dx.values[r * n + c] = s * (Float(n) * dh - sumDh - h * sumDhH)
            }
        }
        return dx
    }
}

extension ReLU {
    public static func backward(input x: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for k in 0..<d.values.count where x.values[k] <= 0 { d.values[k] = 0 }
        return d
    }
}

extension Sigmoid {
    public static func backward(output y: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for k in 0..<d.values.count { d.values[k] *= y.values[k] * (1 - y.values[k]) }
        return d
    }
}

extension RowSoftmax {
    /// dx_j = y_j (dy_j − Σ_k y_k dy_k), row by row.
    public static func backward(output y: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for r in 0..<y.rows {
            let base = r * y.cols
            var dot: Float = 0
            for c in 0..<y.cols { dot += y.values[base + c] * dOut.values[base + c] }
            for c in 0..<y.cols { d.values[base + c] = y.values[base + c] * (dOut.values[base + c] - dot) }
        }
        return d
    }
}

extension Clip {
    public static func backward(input x: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for k in 0..<d.values.count where abs(x.values[k]) > 1 { d.values[k] = 0 }
        return d
    }
}

extension Tanh {
    public static func backward(output y: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for k in 0..<d.values.count { d.values[k] *= 1 - y.values[k] * y.values[k] }
        return d
    }
}
