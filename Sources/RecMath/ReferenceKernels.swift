/// Plain-loop versions of the BLAS kernels, kept beside the fast ones so tests can compare them.
public enum ReferenceKernels {
    public static func product(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false) -> Matrix {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        var c = Matrix(rows: m, cols: n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for t in 0..<k {
                    let av = transposeA ? a[t, i] : a[i, t]
                    let bv = transposeB ? b[j, t] : b[t, j]
                    s += Double(av) * Double(bv)
                }
                c[i, j] = Float(s)
            }
        }
        return c
    }

    /// Inverse of a symmetric positive-definite matrix by Gauss–Jordan elimination in Double.
    public static func inverse(_ a: Matrix) -> Matrix? {
        let n = a.rows
        var m = a.values.map(Double.init)
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inv[i * n + i] = 1 }
        for col in 0..<n {
            var pivot = col
            for r in col..<n where abs(m[r * n + col]) > abs(m[pivot * n + col]) { pivot = r }
            if abs(m[pivot * n + col]) < 1e-12 { return nil }
            if pivot != col {
                for c in 0..<n { m.swapAt(col * n + c, pivot * n + c); inv.swapAt(col * n + c, pivot * n + c) }
            }
            let p = m[col * n + col]
            for c in 0..<n { m[col * n + c] /= p; inv[col * n + c] /= p }
            for r in 0..<n where r != col {
                let f = m[r * n + col]
                if f == 0 { continue }
                for c in 0..<n { m[r * n + c] -= f * m[col * n + c]; inv[r * n + c] -= f * inv[col * n + c] }
            }
        }
        return Matrix(rows: n, cols: n, values: inv.map(Float.init))
    }
}
