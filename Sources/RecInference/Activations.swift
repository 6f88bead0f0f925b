import Foundation
import RecMath

public enum ReLU {
    public static func forward(_ x: Matrix) -> Matrix { x.map { max(0, $0) } }
}

public enum Sigmoid {
    @inline(__always) public static func value(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    public static func forward(_ x: Matrix) -> Matrix { x.map(value) }
}

/// Softmax over each row (numerically stable: the row maximum is subtracted first).
public enum RowSoftmax {
    public static func values(_ x: [Float]) -> [Float] {
        guard let top = x.max() else { return [] }
        let e = x.map { Foundation.exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    public static func forward(_ x: Matrix) -> Matrix {
        var y = x
        for r in 0..<x.rows {
            let row = values(Array(x.values[(r * x.cols)..<((r + 1) * x.cols)]))
            for c in 0..<x.cols { y.values[r * x.cols + c] = row[c] }
        }
        return y
    }
}

/// Elementwise clip to [-1, 1]; the gradient is zero where the input was clipped.
public enum Clip {
    public static func forward(_ x: Matrix) -> Matrix { x.map { min(1, max(-1, $0)) } }
}

public enum Tanh {
    public static func forward(_ x: Matrix) -> Matrix { x.map { Foundation.tanh($0) } }
}
