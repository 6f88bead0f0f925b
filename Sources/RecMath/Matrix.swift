/// A dense row-major matrix of `Float`, the value type every numeric layer works on.
public struct Matrix: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    public var values: [Float]

    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        self.rows = rows
        self.cols = cols
        self.values = [Float](repeating: value, count: rows * cols)
    }

    /// Wraps existing storage; returns nil when the count does not match the shape.
    public init?(rows: Int, cols: Int, values: [Float]) {
        guard rows >= 0, cols >= 0, values.count == rows * cols else { return nil }
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    public init(rows: Int, cols: Int, generator: (Int, Int) -> Float) {
        self.init(rows: rows, cols: cols)
        for r in 0..<rows {
            for c in 0..<cols { values[r * cols + c] = generator(r, c) }
        }
    }

    public var count: Int { values.count }

    @inline(__always)
    public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    public func row(_ r: Int) -> ArraySlice<Float> {
        values[(r * cols)..<((r + 1) * cols)]
    }

    public mutating func setRow(_ r: Int, _ source: some Collection<Float>) {
        var c = r * cols
        for v in source { values[c] = v; c += 1 }
    }

    /// Glorot-uniform initialisation from a seeded generator.
    public static func glorot(rows: Int, cols: Int, rng: inout SeededRandom) -> Matrix {
        let limit = (6.0 / Float(max(1, rows + cols))).squareRoot()
        return Matrix(rows: rows, cols: cols) { _, _ in rng.uniform(-limit, limit) }
    }

    public static func gaussian(rows: Int, cols: Int, std: Float, rng: inout SeededRandom) -> Matrix {
        Matrix(rows: rows, cols: cols) { _, _ in rng.gaussian() * std }
    }

    public func transposed() -> Matrix {
        var out = Matrix(rows: cols, cols: rows)
        for r in 0..<rows {
            for c in 0..<cols { out.values[c * rows + r] = values[r * cols + c] }
        }
        return out
    }

    /// Rows selected by index, in the given order.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                guard cols > 0 else { return }
                for (k, r) in indices.enumerated() {
                    (dst.baseAddress! + k * cols).update(from: src.baseAddress! + r * cols, count: cols)
                }
            }
        }
        return out
    }

    /// Adds the rows of `source` into the rows named by `indices` (scatter-add).
    public mutating func scatterAddRows(_ indices: [Int], from source: Matrix) {
        let width = cols
        source.values.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for (k, r) in indices.enumerated() {
                    for c in 0..<width { dst[r * width + c] += src[k * width + c] }
                }
            }
        }
    }

    /// Appends the rows of `other` (same width).
    public mutating func appendRows(_ other: Matrix) {
        precondition(other.cols == cols, "appended rows differ in width")
        values.append(contentsOf: other.values)
        rows += other.rows
    }

    /// self += other, elementwise (same shape).
    public mutating func add(_ other: Matrix) {
        let count = min(values.count, other.values.count)
        other.values.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for k in 0..<count { dst[k] += src[k] }
            }
        }
    }

    /// Column sums (a row vector), used for bias gradients.
    public func columnSums() -> [Float] {
        var out = [Float](repeating: 0, count: cols)
        for r in 0..<rows {
            for c in 0..<cols { out[c] += values[r * cols + c] }
        }
        return out
    }

    /// Adds `vector` to every row (broadcast bias).
    public mutating func addRowVector(_ vector: [Float]) {
        for r in 0..<rows {
            for c in 0..<cols { values[r * cols + c] += vector[c] }
        }
    }

    public func hconcat(_ other: Matrix) -> Matrix {
        var out = Matrix(rows: rows, cols: cols + other.cols)
        for r in 0..<rows {
            for c in 0..<cols { out.values[r * out.cols + c] = values[r * cols + c] }
            for c in 0..<other.cols { out.values[r * out.cols + cols + c] = other.values[r * other.cols + c] }
        }
        return out
    }

    /// Columns `range` as a new matrix.
    public func columns(_ range: Range<Int>) -> Matrix {
        var out = Matrix(rows: rows, cols: range.count)
        for r in 0..<rows {
            for (k, c) in range.enumerated() { out.values[r * out.cols + k] = values[r * cols + c] }
        }
        return out
    }

    public func map(_ transform: (Float) -> Float) -> Matrix {
        Matrix(rows: rows, cols: cols, values: values.map(transform))!
    }

    public var isFinite: Bool { values.allSatisfy { $0.isFinite } }
}
