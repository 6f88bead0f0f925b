import RecMath

/// A sparse row-weighting: output row b = Σ_k weights[b][k] · input[indices[b][k]].
/// It is the one aggregation hop over the user–item graph (items → user profile), and also the
/// mean embedding bag for item genres.
public struct SparseRows: Sendable {
    public var indices: [[Int]]
    public var weights: [[Float]]

    public init(indices: [[Int]], weights: [[Float]]) {
        self.indices = indices
        self.weights = weights
    }

    public var rowCount: Int { indices.count }

    public func apply(_ input: Matrix) -> Matrix {
        var out = Matrix(rows: indices.count, cols: input.cols)
        let width = input.cols
        input.values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for b in 0..<indices.count {
                    let base = b * width
                    for (k, j) in indices[b].enumerated() {
                        let w = weights[b][k]
                        let from = j * width
                        for c in 0..<width { dst[base + c] += w * src[from + c] }
                    }
                }
            }
        }
        return out
    }

    /// Accumulates the gradient with respect to the input rows into `dInput`.
    public func backward(dOut: Matrix, into dInput: inout Matrix) {
        let width = dOut.cols
        dOut.values.withUnsafeBufferPointer { src in
            dInput.values.withUnsafeMutableBufferPointer { dst in
                for b in 0..<indices.count {
                    let base = b * width
                    for (k, j) in indices[b].enumerated() {
                        let w = weights[b][k]
                        let to = j * width
                        for c in 0..<width { dst[to + c] += w * src[base + c] }
                    }
                }
            }
        }
    }
}
