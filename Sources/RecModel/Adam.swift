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
                            for k in 0..<p.count {
                                let gk = g[k]
                                mm[k] = b1 * mm[k] + (1 - b1) * gk
                                vv[k] = b2 * vv[k] + (1 - b2) * gk * gk
                                p[k] -= rate * mm[k] / (vv[k].squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
