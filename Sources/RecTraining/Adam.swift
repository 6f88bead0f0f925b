import Foundation
import RecInference
import RecMath

/// Adam (Kingma & Ba) with bias correction, over a whole `ParameterSet`. With a `GradientSet` the
/// row-sparse tables are updated lazily: only the rows a batch touched move, and their moments
/// decay only when touched (as TensorFlow's LazyAdam), so a step costs what the batch touched.
public struct Adam: Sendable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    private var m: ParameterSet
    private var v: ParameterSet
    public private(set) var step = 0

    public init(parameters: ParameterSet, learningRate: Float) {
        self.learningRate = learningRate
        m = parameters.zeros()
        v = parameters.zeros()
    }

    /// Elementwise, so large tensors are split over `threads` without changing the result.
    public var threads = 1

    /// The lazy update: dense tensors as in `update(_:gradients:)`, row-sparse tables row by row.
    public mutating func update(_ parameters: inout ParameterSet, gradients: GradientSet) {
        step += 1
        let rate = stepRate
        for t in 0..<parameters.tensors.count {
            if let sparse = gradients.rows[t] {
                updateRows(&parameters.tensors[t], tensor: t, gradient: sparse, rate: rate)
            } else {
                updateDense(&parameters.tensors[t], tensor: t, gradient: gradients.dense.tensors[t], rate: rate)
            }
        }
    }

    /// The dense reference: every parameter moves on every step.
    public mutating func update(_ parameters: inout ParameterSet, gradients: ParameterSet) {
        step += 1
        let rate = stepRate
        for t in 0..<parameters.tensors.count {
            updateDense(&parameters.tensors[t], tensor: t, gradient: gradients.tensors[t], rate: rate)
        }
    }

    /// The learning rate with both bias corrections folded in, for the current step.
    private var stepRate: Float {
        let c1 = 1 - Foundation.pow(beta1, Float(step))
        let c2 = 1 - Foundation.pow(beta2, Float(step))
        return learningRate * c2.squareRoot() / c1
    }

    private mutating func updateDense(_ parameter: inout Matrix, tensor t: Int, gradient: Matrix, rate: Float) {
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        gradient.values.withUnsafeBufferPointer { g in
            m.tensors[t].values.withUnsafeMutableBufferPointer { mm in
                v.tensors[t].values.withUnsafeMutableBufferPointer { vv in
                    parameter.values.withUnsafeMutableBufferPointer { p in
                        let (pp, mp, vp, gp) = (p.baseAddress!, mm.baseAddress!, vv.baseAddress!, g.baseAddress!)
                        Parallel.forEachChunk(p.count, threads: threads, minimumChunk: 65_536) { range in
                            let o = range.lowerBound
                            Self.step(
                                count: range.count, parameter: pp + o, m: mp + o, v: vp + o, gradient: gp + o,
                                rate: rate, beta1: b1, beta2: b2, epsilon: eps)
                        }
                    }
                }
            }
        }
    }

    private mutating func updateRows(_ parameter: inout Matrix, tensor t: Int, gradient: RowGradient, rate: Float) {
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let width = gradient.width
        let rows = gradient.indices
        gradient.values.values.withUnsafeBufferPointer { g in
            m.tensors[t].values.withUnsafeMutableBufferPointer { mm in
                v.tensors[t].values.withUnsafeMutableBufferPointer { vv in
                    parameter.values.withUnsafeMutableBufferPointer { p in
                        let (pp, mp, vp, gp) = (p.baseAddress!, mm.baseAddress!, vv.baseAddress!, g.baseAddress!)
                        // Distinct rows: chunks write disjoint memory.
                        Parallel.forEachChunk(rows.count, threads: threads, minimumChunk: max(1, 65_536 / max(1, width))) { range in
                            for slot in range {
                                Self.step(
                                    count: width, parameter: pp + rows[slot] * width, m: mp + rows[slot] * width,
                                    v: vp + rows[slot] * width, gradient: gp + slot * width,
                                    rate: rate, beta1: b1, beta2: b2, epsilon: eps)
                            }
                        }
                    }
                }
            }
        }
    }

    /// One Adam step over `count` contiguous scalars, eight lanes at a time (the same arithmetic,
    /// lane by lane, as the scalar tail, so results do not depend on alignment).
    @inline(__always)
    static func step(
        count: Int, parameter p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
        v: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
        rate: Float, beta1 b1: Float, beta2 b2: Float, epsilon eps: Float
    ) {
        typealias Lanes = SIMD8<Float>
        var k = 0
        let (rb1, rb2) = (1 - b1, 1 - b2)
        while k + 8 <= count {
            let gk = UnsafeRawPointer(g + k).loadUnaligned(as: Lanes.self)
            var mk = UnsafeRawPointer(m + k).loadUnaligned(as: Lanes.self)
            var vk = UnsafeRawPointer(v + k).loadUnaligned(as: Lanes.self)
            var pk = UnsafeRawPointer(p + k).loadUnaligned(as: Lanes.self)
            mk = b1 * mk + rb1 * gk
            vk = b2 * vk + rb2 * gk * gk
            pk -= rate * mk / (vk.squareRoot() + eps)
            UnsafeMutableRawPointer(m + k).storeBytes(of: mk, as: Lanes.self)
            UnsafeMutableRawPointer(v + k).storeBytes(of: vk, as: Lanes.self)
            UnsafeMutableRawPointer(p + k).storeBytes(of: pk, as: Lanes.self)
            k += 8
        }
        while k < count {
            let gk = g[k]
            m[k] = b1 * m[k] + rb1 * gk
            v[k] = b2 * v[k] + rb2 * gk * gk
            p[k] -= rate * m[k] / (v[k].squareRoot() + eps)
            k += 1
        }
    }
}
