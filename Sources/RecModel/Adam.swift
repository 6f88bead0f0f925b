import Foundation
import RecMath

/// Adam (Kingma & Ba) with bias correction, over a whole `ParameterSet`.
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

    public mutating func update(_ parameters: inout ParameterSet, gradients: ParameterSet) {
        step += 1
        let c1 = 1 - Foundation.pow(beta1, Float(step))
        let c2 = 1 - Foundation.pow(beta2, Float(step))
        let rate = learningRate * c2.squareRoot() / c1
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for t in 0..<parameters.tensors.count {
            gradients.tensors[t].values.withUnsafeBufferPointer { g in
                m.tensors[t].values.withUnsafeMutableBufferPointer { mm in
                    v.tensors[t].values.withUnsafeMutableBufferPointer { vv in
                        parameters.tensors[t].values.withUnsafeMutableBufferPointer { p in
                            let (pp, mp, vp, gp) = (p.baseAddress!, mm.baseAddress!, vv.baseAddress!, g.baseAddress!)
                            Parallel.forEachChunk(p.count, threads: threads, minimumChunk: 65_536) { range in
                                for k in range {
                                    let gk = gp[k]
                                    mp[k] = b1 * mp[k] + (1 - b1) * gk
                                    vp[k] = b2 * vp[k] + (1 - b2) * gk * gk
                                    pp[k] -= rate * mp[k] / (vp[k].squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
