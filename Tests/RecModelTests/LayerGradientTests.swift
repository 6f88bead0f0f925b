import RecMath
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

final class LayerGradientTests: XCTestCase {
    var rng = SeededRandom(seed: 11)

    func random(_ r: Int, _ c: Int, scale: Float = 1) -> Matrix {
        Matrix(rows: r, cols: c) { _, _ in self.rng.uniform(-scale, scale) }
    }

    func testLinear() {
        let x = random(4, 5), w = random(5, 3), b = random(1, 3), r = random(4, 3)
        var g = ParameterSet()
        g.add("w", Matrix(rows: 5, cols: 3)); g.add("b", Matrix(rows: 1, cols: 3))
        let dx = Linear.backward(x, weight: w, dOut: r, gradients: &g, weightName: "w", biasName: "b")
        let f = { (x: Matrix, w: Matrix, b: Matrix) in GradientCheck.sum(Linear.forward(x, weight: w, bias: b), weightedBy: r) }
        GradientCheck.compare(dx, x, label: "dx") { f($0, w, b) }
        GradientCheck.compare(g["w"], w, label: "dW") { f(x, $0, b) }
        GradientCheck.compare(g["b"], b, label: "db") { f(x, w, $0) }
    }

    func testElementwiseActivations() {
        // Inputs kept away from the kinks of ReLU (0) and Clip (±1).
        let x = Matrix(rows: 3, cols: 4) { r, c in [Float(-1.7), -0.6, 0.3, 0.8, 1.4, -0.2][(r * 4 + c) % 6] + Float(c) * 0.01 }
        let r = random(3, 4)
        GradientCheck.compare(ReLU.backward(input: x, dOut: r), x, label: "relu") { GradientCheck.sum(ReLU.forward($0), weightedBy: r) }
        GradientCheck.compare(Sigmoid.backward(output: Sigmoid.forward(x), dOut: r), x, label: "sigmoid") {
            GradientCheck.sum(Sigmoid.forward($0), weightedBy: r)
        }
        GradientCheck.compare(Tanh.backward(output: Tanh.forward(x), dOut: r), x, label: "tanh") {
            GradientCheck.sum(Tanh.forward($0), weightedBy: r)
        }
        GradientCheck.compare(Clip.backward(input: x, dOut: r), x, label: "clip") { GradientCheck.sum(Clip.forward($0), weightedBy: r) }
    }

    func testRowSoftmax() {
        let x = random(3, 5, scale: 2), r = random(3, 5)
        let y = RowSoftmax.forward(x)
        for row in 0..<3 {
            XCTAssertEqual(y.values[(row * 5)..<((row + 1) * 5)].reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(Array(y.values[(row * 5)..<((row + 1) * 5)]), RowSoftmax.values(Array(x.values[(row * 5)..<((row + 1) * 5)])))
        }
        // Large logits do not overflow: the row maximum is subtracted first.
        XCTAssertEqual(RowSoftmax.values([1000, 1000]), [0.5, 0.5])
        GradientCheck.compare(RowSoftmax.backward(output: y, dOut: r), x, label: "softmax") {
            GradientCheck.sum(RowSoftmax.forward($0), weightedBy: r)
        }
    }

    func testLayerNorm() {
        let x = random(3, 6, scale: 2), gain = random(1, 6), bias = random(1, 6), r = random(3, 6)
        var g = ParameterSet()
        g.add("g", Matrix(rows: 1, cols: 6)); g.add("b", Matrix(rows: 1, cols: 6))
        let (_, cache) = LayerNorm.forward(x, gain: gain, bias: bias)
        let dx = LayerNorm.backward(cache, gain: gain, dOut: r, gradients: &g, gainName: "g", biasName: "b")
        let f = { (x: Matrix, gn: Matrix, b: Matrix) in GradientCheck.sum(LayerNorm.forward(x, gain: gn, bias: b).0, weightedBy: r) }
        GradientCheck.compare(dx, x, step: 5e-3, label: "dx") { f($0, gain, bias) }
        GradientCheck.compare(g["g"], gain, label: "dgain") { f(x, $0, bias) }
        GradientCheck.compare(g["b"], bias, label: "dbias") { f(x, gain, $0) }
    }

    func testSparseRowsAggregation() {
        let input = random(6, 4)
        let rows = SparseRows(indices: [[0, 2, 5], [], [1, 1, 3]], weights: [[0.5, -0.25, 1], [], [0.3, 0.2, -0.7]])
        let r = random(3, 4)
        var d = Matrix(rows: 6, cols: 4)
        rows.backward(dOut: r, into: &d)
        GradientCheck.compare(d, input, label: "aggregation") { GradientCheck.sum(rows.apply($0), weightedBy: r) }
        XCTAssertEqual(rows.apply(input).row(1).allSatisfy { $0 == 0 }, true, "an empty row aggregates to zero")
    }

    func testSoftmaxCrossEntropyWithMasksAndSoftTargets() {
        let logits = random(3, 7, scale: 2)
        var targets = Matrix(rows: 3, cols: 7)
        targets[0, 1] = 0.5; targets[0, 4] = 0.5
        targets[1, 2] = 0.2; targets[1, 3] = 0.3; targets[1, 6] = 0.5
        // Row 2 has no target and must be skipped.
        let masked = [[0, 2], [5], [1]]
        let (_, d) = SoftmaxCrossEntropy.forward(logits: logits, targets: targets, masked: masked)
        GradientCheck.compare(d, logits, step: 5e-3, label: "dlogits") {
            SoftmaxCrossEntropy.forward(logits: $0, targets: targets, masked: masked).loss
        }
        for i in masked[0] { XCTAssertEqual(d[0, i], 0) }
        XCTAssertTrue(d.row(2).allSatisfy { $0 == 0 })
    }

    func testTripletLossBothNormalisations() {
        for normalize in [false, true] {
            let anchors = random(5, 4), pool = random(5, 4)
            let loss = TripletLoss(margin: normalize ? 0.5 : 1.0, normalize: normalize)
            let positive: [Int?] = [0, 1, 2, 3, nil]
            let result = loss.evaluate(anchors: anchors, pool: pool, positive: positive) { $0 != $1 }
            XCTAssertGreaterThan(result.activeTriplets, 0)
            GradientCheck.compare(result.dAnchors, anchors, step: 1e-3, label: "anchors n=\(normalize)") {
                loss.evaluate(anchors: $0, pool: pool, positive: positive) { $0 != $1 }.loss
            }
            GradientCheck.compare(result.dPool, pool, step: 1e-3, label: "pool n=\(normalize)") {
                loss.evaluate(anchors: anchors, pool: $0, positive: positive) { $0 != $1 }.loss
            }
        }
    }

    func testTripletSemiHardMiningPicksClosestFartherNegative() {
        // Anchor at 0, positive at distance 1, negatives at 0.5 (hard), 1.5 (semi-hard), 3 (easy).
        let anchors = Matrix(rows: 1, cols: 1, values: [0])!
        let pool = Matrix(rows: 4, cols: 1, values: [1, 0.5, 1.5, 3])!
        let r = TripletLoss(margin: 1, normalize: false).evaluate(anchors: anchors, pool: pool, positive: [0]) { $1 != 0 }
        XCTAssertEqual(r.loss, 0.5, accuracy: 1e-4)  // 1 + 1 − 1.5
        XCTAssertEqual(r.dPool[2, 0], -1, accuracy: 1e-4)  // pushing the negative away lowers the loss
        XCTAssertEqual(r.dPool[1, 0], 0)
    }

    func testAdamMinimisesAQuadratic() {
        var p = ParameterSet()
        p.add("x", Matrix(rows: 1, cols: 3, values: [3, -2, 1])!)
        var adam = Adam(parameters: p, learningRate: 0.1)
        for _ in 0..<500 {
            var g = p.zeros()
            g["x"] = p["x"].map { 2 * $0 }
            adam.update(&p, gradients: g)
        }
        for v in p["x"].values { XCTAssertEqual(v, 0, accuracy: 0.05) }
    }
}
