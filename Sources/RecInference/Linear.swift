import RecMath

/// y = x W + b, with W stored in × out.
public enum Linear {
    public static func forward(_ x: Matrix, weight: Matrix, bias: Matrix) -> Matrix {
        var y = BLAS.product(x, weight)
        y.addRowVector(bias.values)
        return y
    }
}
