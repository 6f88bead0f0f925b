import COpenBLAS

public enum MathError: Error, Equatable, CustomStringConvertible {
    case notSquare(rows: Int, cols: Int)
    case notPositiveDefinite(leadingMinor: Int)
    case lapackArgument(Int)
    /// A dense computation that would not fit: what, and what to do instead.
    case tooLarge(String)

    public var description: String {
        switch self {
        case let .notSquare(r, c): return "matrix is \(r)x\(c), not square"
        case let .notPositiveDefinite(k): return "matrix is not positive definite (leading minor \(k)); increase the regularisation"
        case let .lapackArgument(i): return "LAPACK rejected argument \(i)"
        case let .tooLarge(what): return what
        }
    }
}

public enum Cholesky {
    /// Inverse of a symmetric positive-definite matrix (LAPACK spotrf + spotri).
    public static func inverse(_ a: Matrix) throws(MathError) -> Matrix {
        var out = a
        try invertInPlace(&out)
        return out
    }

    /// Inverts in place: for large n the n × n storage is the cost, so callers avoid a copy.
    public static func invertInPlace(_ out: inout Matrix) throws(MathError) {
        guard out.rows == out.cols else { throw .notSquare(rows: out.rows, cols: out.cols) }
        var n = Int32(out.rows)
        var info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))
        // Row-major storage is the transpose; for a symmetric matrix "L" in Fortran is "U" here,
        // and filling the other triangle afterwards makes the result independent of that.
        out.values.withUnsafeMutableBufferPointer { p in
            spotrf_(&uplo, &n, p.baseAddress, &n, &info)
            if info == 0 { spotri_(&uplo, &n, p.baseAddress, &n, &info) }
        }
        if info > 0 { throw .notPositiveDefinite(leadingMinor: Int(info)) }
        if info < 0 { throw .lapackArgument(Int(-info)) }
        let size = out.rows
        // Fortran's lower triangle is row-major's upper triangle: mirror it into the lower one.
        out.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<size {
                for c in 0..<r { v[r * size + c] = v[c * size + r] }
            }
        }
    }

    /// Solves A x = b for a symmetric positive-definite A (LAPACK spotrf + spotrs): `a` is
    /// overwritten by its factor, `b` by x. Symmetric, so row-major storage needs no transpose.
    public static func solveInPlace(_ a: inout Matrix, _ b: inout [Float]) throws(MathError) {
        guard a.rows == a.cols else { throw .notSquare(rows: a.rows, cols: a.cols) }
        guard b.count == a.rows else { throw .lapackArgument(6) }
        guard a.rows > 0 else { return }
        var n = Int32(a.rows), one: Int32 = 1
        var info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))
        a.values.withUnsafeMutableBufferPointer { p in
            b.withUnsafeMutableBufferPointer { x in
                spotrf_(&uplo, &n, p.baseAddress, &n, &info)
                if info == 0 { spotrs_(&uplo, &n, &one, p.baseAddress, &n, x.baseAddress, &n, &info) }
            }
        }
        if info > 0 { throw .notPositiveDefinite(leadingMinor: Int(info)) }
        if info < 0 { throw .lapackArgument(Int(-info)) }
    }
}
