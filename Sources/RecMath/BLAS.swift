import COpenBLAS

/// Matrix products over OpenBLAS. The only Swift file that calls into COpenBLAS besides `Cholesky`.
public enum BLAS {
    /// Number of threads OpenBLAS uses for the large products (training uses both cores).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// C = alpha * op(A) * op(B) + beta * C, with op = transpose when the flag is set.
    /// Shapes come from code, never from input (input is validated before it reaches a product), so a
    /// mismatch is a programming error: `precondition`, which `-O` keeps (an `assert` would vanish and
    /// let OpenBLAS read out of bounds).
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, into c: inout Matrix
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        precondition((transposeB ? b.cols : b.rows) == k, "gemm inner dimensions differ")
        precondition(c.rows == m && c.cols == n, "gemm output shape differs")
        precondition(
            a.values.count == a.rows * a.cols && b.values.count == b.rows * b.cols && c.values.count == c.rows * c.cols,
            "gemm operand storage differs from its shape")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { c.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } } else { c.values = c.values.map { $0 * beta } }
            return
        }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(
                        CblasRowMajor,
                        transposeA ? CblasTrans : CblasNoTrans,
                        transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha,
                        pa.baseAddress, Int32(a.cols),
                        pb.baseAddress, Int32(b.cols),
                        beta, pc.baseAddress, Int32(c.cols))
                }
            }
        }
    }

    /// Rows `rows` of C = Aᵀ B, written into those rows of `c` (row-major, `b.cols` wide); the other
    /// rows are not touched, so threads can split one product by output rows.
    public static func transposedProductRows(_ a: Matrix, _ b: Matrix, rows: Range<Int>, into c: UnsafeMutablePointer<Float>) {
        precondition(a.rows == b.rows && rows.lowerBound >= 0 && rows.upperBound <= a.cols, "transposed product shapes differ")
        precondition(a.values.count == a.rows * a.cols && b.values.count == b.rows * b.cols, "operand storage differs from its shape")
        guard !rows.isEmpty, b.cols > 0 else { return }
        if a.rows == 0 {
            (c + rows.lowerBound * b.cols).update(repeating: 0, count: rows.count * b.cols)
            return
        }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans,
                    Int32(rows.count), Int32(b.cols), Int32(a.rows), 1,
                    pa.baseAddress! + rows.lowerBound, Int32(a.cols),
                    pb.baseAddress, Int32(b.cols),
                    0, c + rows.lowerBound * b.cols, Int32(b.cols))
            }
        }
    }

    /// Returns op(A) * op(B).
    public static func product(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false) -> Matrix {
        var c = Matrix(rows: transposeA ? a.cols : a.rows, cols: transposeB ? b.rows : b.cols)
        gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: &c)
        return c
    }

    /// y = A x for a row-major matrix and a dense vector.
    public static func gemv(_ a: Matrix, transpose: Bool = false, _ x: [Float]) -> [Float] {
        let outCount = transpose ? a.cols : a.rows
        precondition(x.count == (transpose ? a.rows : a.cols), "gemv vector length differs from the matrix")
        precondition(a.values.count == a.rows * a.cols, "gemv matrix storage differs from its shape")
        var y = [Float](repeating: 0, count: outCount)
        guard a.rows > 0, a.cols > 0 else { return y }
        a.values.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_sgemv(
                        CblasRowMajor, transpose ? CblasTrans : CblasNoTrans,
                        Int32(a.rows), Int32(a.cols), 1, pa.baseAddress, Int32(a.cols),
                        px.baseAddress, 1, 0, py.baseAddress, 1)
                }
            }
        }
        return y
    }

    /// y += alpha * x
    public static func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
        precondition(x.count == y.count, "axpy vectors differ in length")
        guard !x.isEmpty else { return }
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                cblas_saxpy(Int32(x.count), alpha, px.baseAddress, 1, py.baseAddress, 1)
            }
        }
    }
}
