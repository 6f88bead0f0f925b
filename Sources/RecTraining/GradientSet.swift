import RecInference
import RecMath

/// Gradients of one batch. The small dense tensors (MLP weights, biases) are held whole; the large
/// tables (item embeddings, the items × K decoder, attribute embeddings) hold only the rows the
/// batch touched, so a batch costs what it touches, not the catalogue size.
public struct GradientSet: Sendable {
    /// Dense gradients, in the parameters' order; a row-sparse table has an empty 0 × cols placeholder.
    public var dense: ParameterSet
    /// Touched rows of each row-sparse table, by tensor index.
    public var rows: [Int: RowGradient]

    /// The parameters whose gradients are kept row-sparse when present.
    public static let rowSparseNames: Set<String> = ["item.embedding", "decoder.items", "decoder.bias"]

    public static func isRowSparse(_ name: String) -> Bool {
        rowSparseNames.contains(name) || name.hasPrefix("attribute.")
    }

    /// Zero gradients shaped like `parameters`.
    public init(like parameters: ParameterSet) {
        dense = ParameterSet()
        rows = [:]
        for (t, (name, tensor)) in zip(parameters.names, parameters.tensors).enumerated() {
            if Self.isRowSparse(name) {
                dense.add(name, Matrix(rows: 0, cols: tensor.cols))
                rows[t] = RowGradient(width: tensor.cols)
            } else {
                dense.add(name, Matrix(rows: tensor.rows, cols: tensor.cols))
            }
        }
    }

    /// Row `indices[k]` of table `name` += row k of `source`. With `distinct` (no index repeats) the
    /// first call for a table takes `source` as is, without copying row by row.
    public mutating func addRows(_ name: String, _ indices: [Int], from source: Matrix, distinct: Bool = false) {
        let t = dense.index(of: name)!
        if distinct && rows[t]!.indices.isEmpty {
            rows[t] = RowGradient(distinct: indices, values: source)
        } else {
            rows[t]!.add(indices, from: source)
        }
    }

    /// self += other (gradients of the same parameters, e.g. another slice of the batch).
    public mutating func add(_ other: GradientSet) {
        for t in 0..<dense.tensors.count { dense.tensors[t].add(other.dense.tensors[t]) }
        for (t, sparse) in other.rows where !sparse.indices.isEmpty {
            if rows[t]!.indices.isEmpty {
                rows[t] = sparse
            } else {
                rows[t]!.add(sparse.indices, from: sparse.values)
            }
        }
    }

    /// The gradient of `name` as a full dense tensor (for gradient checks and dense optimisers).
    public func materialized(_ name: String, like parameters: ParameterSet) -> Matrix {
        let t = dense.index(of: name)!
        guard let sparse = rows[t] else { return dense.tensors[t] }
        let shape = parameters.tensors[t]
        var out = Matrix(rows: shape.rows, cols: shape.cols)
        out.scatterAddRows(sparse.indices, from: sparse.values)
        return out
    }

    /// Every gradient materialised (tests and the dense reference optimiser).
    public func materialized(like parameters: ParameterSet) -> ParameterSet {
        var out = ParameterSet()
        for name in parameters.names { out.add(name, materialized(name, like: parameters)) }
        return out
    }
}

/// Accumulated gradients of a few rows of a large table: `values` row k belongs to `indices[k]`.
public struct RowGradient: Sendable {
    public private(set) var indices: [Int] = []
    public private(set) var values: Matrix
    private var position: [Int: Int] = [:]

    public init(width: Int) { values = Matrix(rows: 0, cols: width) }

    /// Gradients of distinct rows, as given.
    init(distinct indices: [Int], values: Matrix) {
        self.indices = indices
        self.values = values
    }

    public var width: Int { values.cols }

    /// Adds source row k into the gradient row of table row `indices[k]` (repeats accumulate).
    public mutating func add(_ rowIndices: [Int], from source: Matrix) {
        let width = values.cols
        if position.count != indices.count {
            // Taken whole by `init(distinct:values:)`: index it now that rows are added one by one.
            for (k, r) in indices.enumerated() { position[r] = k }
        }
        for (k, r) in rowIndices.enumerated() {
            let slot: Int
            if let p = position[r] {
                slot = p
            } else {
                slot = indices.count
                position[r] = slot
                indices.append(r)
                values.values.append(contentsOf: repeatElement(0, count: width))
                values.rows += 1
            }
            source.values.withUnsafeBufferPointer { src in
                values.values.withUnsafeMutableBufferPointer { dst in
                    for c in 0..<width { dst[slot * width + c] += src[k * width + c] }
                }
            }
        }
    }
}
