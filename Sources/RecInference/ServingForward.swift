import Foundation
import RecMath

/// The encoder's serving-time forward pass (profile → MLP → LayerNorm → cluster activations) with
/// its parameters resolved once, at load: no name lookups, string interpolation or temporary
/// arrays per request. The arithmetic is the one `clusterActivations` always did, in the same
/// order through the same BLAS calls, so every activation is bit for bit what it was.
struct ServingForward: Sendable {
    let embeddingDim: Int
    let inputWidth: Int
    let attributeDim: Int
    let attributeTables: [Matrix]
    let w1: Matrix, b1: [Float]
    let w2: Matrix, b2: [Float]
    let gain: [Float], bias: [Float]
    let clusterW: Matrix, clusterB: [Float]
    let softmax: Bool
    let temperature: Float

    init(parameters p: ParameterSet, configuration c: ModelConfiguration, inputWidth: Int, attributeColumns: Int) {
        embeddingDim = c.embeddingDim
        self.inputWidth = inputWidth
        attributeDim = c.attributeDim
        attributeTables = (0..<attributeColumns).compactMap { p.contains("attribute.\($0)") ? p["attribute.\($0)"] : nil }
        w1 = p["head.w1"]; b1 = p["head.b1"].values
        w2 = p["head.w2"]; b2 = p["head.b2"].values
        gain = p["head.gain"].values; bias = p["head.bias"].values
        clusterW = p["cluster.w"]; clusterB = p["cluster.b"].values
        softmax = c.clusterActivation == .softmax
        temperature = c.clusterTemperature
    }

    /// Activations from the unclipped aggregate `q` (length d) and the attribute values.
    func activations(aggregate q: [Float], attributes: [Int]) -> [Float] {
        var logits = logits(aggregate: q, attributes: attributes)
        if softmax {
            let k = Float(clusterW.cols)
            for c in logits.indices { logits[c] /= temperature }
            return RowSoftmax.values(logits).map { $0 * k }
        }
        for c in logits.indices { logits[c] = Sigmoid.value(logits[c]) }
        return logits
    }

    /// The output layer's cluster logits, before the sigmoid or softmax.
    func logits(aggregate q: [Float], attributes: [Int]) -> [Float] {
        let d = embeddingDim
        var x = [Float](repeating: 0, count: inputWidth)
        x.withUnsafeMutableBufferPointer { x in
            for c in 0..<d { x[c] = min(1, max(-1, q[c])) }
            for k in attributes.indices where k < attributeTables.count {
                let table = attributeTables[k]
                let row = attributes[k] * table.cols
                for c in 0..<attributeDim { x[d + k * attributeDim + c] = table.values[row + c] }
            }
        }
        var a = Self.dense(x, w1, b1)
        for c in a.indices { a[c] = max(0, a[c]) }
        let z = layerNorm(Self.dense(a, w2, b2))
        return Self.dense(z, clusterW, clusterB)
    }

    /// y = Wᵀx + b (one sgemv, as `BLAS.gemv(w, transpose: true, x)` plus the bias).
    @inline(__always)
    static func dense(_ x: [Float], _ w: Matrix, _ b: [Float]) -> [Float] {
        var y = BLAS.gemv(w, transpose: true, x)
        y.withUnsafeMutableBufferPointer { y in
            b.withUnsafeBufferPointer { b in for c in 0..<y.count { y[c] += b[c] } }
        }
        return y
    }

    /// `LayerNorm.forward` of one row, the same operations in the same order.
    func layerNorm(_ x: [Float]) -> [Float] {
        let n = x.count
        var mean: Float = 0
        for c in 0..<n { mean += x[c] }
        mean /= Float(n)
        var variance: Float = 0
        for c in 0..<n { let d = x[c] - mean; variance += d * d }
        variance /= Float(n)
        let s = 1 / (variance + LayerNorm.epsilon).squareRoot()
        var y = x
        for c in 0..<n { y[c] = (x[c] - mean) * s * gain[c] + bias[c] }
        return y
    }
}
