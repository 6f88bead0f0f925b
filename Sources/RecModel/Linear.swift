import RecMath

/// y = x W + b, with W stored in × out.
public enum Linear {
    public static func forward(_ x: Matrix, weight: Matrix, bias: Matrix) -> Matrix {
        var y = BLAS.product(x, weight)
        y.addRowVector(bias.values)
        return y
    }

    /// Returns dx and accumulates dW and db into the gradient tensors named `weight` and `bias`.
    public static func backward(_ x: Matrix, weight: Matrix, dOut: Matrix, gradients g: inout ParameterSet,
                                weightName: String, biasName: String) -> Matrix {
        let w = g.index(of: weightName)!, b = g.index(of: biasName)!
        BLAS.gemm(x, transposeA: true, dOut, beta: 1, into: &g.tensors[w])
        let sums = dOut.columnSums()
        for c in 0..<sums.count { g.tensors[b].values[c] += sums[c] }
        return BLAS.product(dOut, weight, transposeB: true)
    }
}
