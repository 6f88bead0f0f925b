/// Row-level kernels for sparse updates (a few rows of a large matrix), where a full BLAS
/// product would touch every row.
public enum RowKernels {
    /// destination[row: to] += alpha · source[row: from]
    public static func addScaled(_ alpha: Float, row from: Int, of source: Matrix, into destination: inout Matrix, row to: Int) {
        let n = source.cols
        source.values.withUnsafeBufferPointer { src in
            destination.values.withUnsafeMutableBufferPointer { dst in
                let s = from * n, d = to * n
                for c in 0..<n { dst[d + c] += alpha * src[s + c] }
            }
        }
    }

    /// Dot product of row `a` of `x` and row `b` of `y` (same width).
    public static func dot(row a: Int, of x: Matrix, row b: Int, of y: Matrix) -> Float {
        let n = x.cols
        return x.values.withUnsafeBufferPointer { px in
            y.values.withUnsafeBufferPointer { py in
                var sum: Float = 0
                for c in 0..<n { sum += px[a * n + c] * py[b * n + c] }
                return sum
            }
        }
    }
}
