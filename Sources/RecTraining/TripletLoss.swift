import RecInference
import RecMath

/// Triplet margin loss with semi-hard negative mining:
/// L = mean_b max(m + ‖a_b − p_b‖ − ‖a_b − n_b‖, 0), where n_b is the closest candidate farther
/// from a_b than p_b; when there is none, the farthest candidate (as in FaceNet-style mining).
/// Vectors are optionally L2-normalised first.
public struct TripletLoss: Sendable {
    public var margin: Float
    public var normalize: Bool
    static let epsilon: Float = 1e-8

    public init(margin: Float, normalize: Bool) {
        self.margin = margin
        self.normalize = normalize
    }

    public struct Result: Sendable {
        public var loss: Double
        public var dAnchors: Matrix
        public var dPool: Matrix
        public var activeTriplets: Int
    }

    /// `anchors` row b is paired with `pool` row `positive[b]`; negatives are pool rows j with
    /// `isNegative(b, j)`. Anchors without a positive (nil) or without candidates are skipped.
    public func evaluate(anchors: Matrix, pool: Matrix, positive: [Int?], isNegative: (Int, Int) -> Bool) -> Result {
        let (a, aNorms) = normalize ? Self.normalized(anchors) : (anchors, [])
        let (p, pNorms) = normalize ? Self.normalized(pool) : (pool, [])
        var dA = Matrix(rows: a.rows, cols: a.cols)
        var dP = Matrix(rows: p.rows, cols: p.cols)
        var total: Double = 0
        var counted = 0, active = 0
        let width = a.cols
        func distance(_ x: Matrix, _ r: Int, _ y: Matrix, _ s: Int) -> Float {
            var sum: Float = 0
            for c in 0..<width { let d = x.values[r * width + c] - y.values[s * width + c]; sum += d * d }
            return (sum + Self.epsilon).squareRoot()
        }
        for b in 0..<a.rows {
            guard let pos = positive[b] else { continue }
            let dap = distance(a, b, p, pos)
            var semiHard: (Int, Float)? = nil
            var farthest: (Int, Float)? = nil
            for j in 0..<p.rows where isNegative(b, j) {
                let dan = distance(a, b, p, j)
                if dan > dap, semiHard == nil || dan < semiHard!.1 { semiHard = (j, dan) }
                if farthest == nil || dan > farthest!.1 { farthest = (j, dan) }
            }
            guard let (neg, dan) = semiHard ?? farthest else { continue }
            counted += 1
            let value = margin + dap - dan
            guard value > 0 else { continue }
            active += 1
            total += Double(value)
            for c in 0..<width {
                let ap = (a.values[b * width + c] - p.values[pos * width + c]) / dap
                let an = (a.values[b * width + c] - p.values[neg * width + c]) / dan
                dA.values[b * width + c] += ap - an
                dP.values[pos * width + c] -= ap
                dP.values[neg * width + c] += an
            }
        }
        guard counted > 0 else { return Result(loss: 0, dAnchors: dA, dPool: dP, activeTriplets: 0) }
        let scale = 1 / Float(counted)
        dA = dA.map { $0 * scale }
        dP = dP.map { $0 * scale }
        if normalize {
            dA = Self.normalizeBackward(normalized: a, norms: aNorms, dOut: dA)
            dP = Self.normalizeBackward(normalized: p, norms: pNorms, dOut: dP)
        }
        return Result(loss: total / Double(counted), dAnchors: dA, dPool: dP, activeTriplets: active)
    }

    static func normalized(_ x: Matrix) -> (Matrix, [Float]) {
        var out = x
        var norms = [Float](repeating: 0, count: x.rows)
        for r in 0..<x.rows {
            var s: Float = 0
            for c in 0..<x.cols { s += x[r, c] * x[r, c] }
            let n = (s + epsilon).squareRoot()
            norms[r] = n
            for c in 0..<x.cols { out[r, c] = x[r, c] / n }
        }
        return (out, norms)
    }

    /// d x = (d y − y (y · d y)) / ‖x‖ for y = x / ‖x‖.
    static func normalizeBackward(normalized y: Matrix, norms: [Float], dOut: Matrix) -> Matrix {
        var dx = dOut
        for r in 0..<y.rows {
            var dot: Float = 0
            for c in 0..<y.cols { dot += y[r, c] * dOut[r, c] }
            for c in 0..<y.cols { dx[r, c] = (dOut[r, c] - y[r, c] * dot) / norms[r] }
        }
        return dx
    }
}
