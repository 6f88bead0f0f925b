import Foundation
import RecMath

public enum ReLU {
    public static func forward(_ x: Matrix) -> Matrix { x.map { max(0, $0) } }

    public static func backward(input x: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for k in 0..<d.values.count where x.values[k] <= 0 { d.values[k] = 0 }
        return d
    }
}

public enum Sigmoid {
    @inline(__always) public static func value(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    public static func forward(_ x: Matrix) -> Matrix { x.map(value) }

    public static func backward(output y: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for k in 0..<d.values.count { d.values[k] *= y.values[k] * (1 - y.values[k]) }
        return d
    }
}

/// Elementwise clip to [-1, 1]; the gradient is zero where the input was clipped.
public enum Clip {
    public static func forward(_ x: Matrix) -> Matrix { x.map { min(1, max(-1, $0)) } }

    public static func backward(input x: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for k in 0..<d.values.count where abs(x.values[k]) > 1 { d.values[k] = 0 }
        return d
    }
}

public enum Tanh {
    public static func forward(_ x: Matrix) -> Matrix { x.map { Foundation.tanh($0) } }

    public static func backward(output y: Matrix, dOut: Matrix) -> Matrix {
        var d = dOut
        for k in 0..<d.values.count { d.values[k] *= 1 - y.values[k] * y.values[k] }
        return d
    }
}
