import XCTest
import RecData
import RecMath
import RecTestSupport
@testable import RecModel

final class EncoderGradientTests: XCTestCase {
    func makeEncoder() -> Encoder {
        var c = ModelConfiguration()
        c.embeddingDim = 5; c.genreDim = 3; c.towerHidden = 6; c.attributeDim = 2
        c.headHidden = 7; c.profileDim = 4; c.clusters = 6
        let features = ItemFeatures(genreVocabulary: IDMap(ids: ["a", "b", "c"]),
                                    genres: [[0], [1, 2], [], [0, 2], [1], [2]],
                                    years: [1990, 2000, .nan, 1985, 2010, 1970],
                                    titles: Array(repeating: "", count: 6))
        return Encoder(configuration: c, features: features, attributeVocabularySizes: [3, 4])
    }

    func testWholeEncoderMatchesFiniteDifferences() {
        let encoder = makeEncoder()
        var rng = SeededRandom(seed: 3)
        let parameters = encoder.initialParameters(rng: &rng)
        // Small weights keep the clipped aggregate inside (−1, 1), where the clip is differentiable.
        let batch = [
            ProfileInput(items: [0, 1, 3], weights: [0.3, -0.2, 0.3], attributes: [1, 2]),
            ProfileInput(items: [2, 4], weights: [0.5, 0.5], attributes: [0, 3]),
            ProfileInput(items: [], weights: [], attributes: [2, 1]),
            ProfileInput(items: [5, 1], weights: [-0.4, 0.4], attributes: [1, 0]),
        ]
        let rs = Matrix(rows: 4, cols: 6) { _, _ in rng.uniform(-1, 1) }
        let rz = Matrix(rows: 4, cols: 4) { _, _ in rng.uniform(-1, 1) }
        func loss(_ p: ParameterSet) -> Double {
            let fw = encoder.forward(batch, parameters: p)
            return GradientCheck.sum(fw.clusters, weightedBy: rs) + GradientCheck.sum(fw.profile, weightedBy: rz)
        }
        let fw = encoder.forward(batch, parameters: parameters)
        XCTAssertTrue(fw.profileRaw.values.allSatisfy { abs($0) < 1 })
        var g = parameters.zeros()
        encoder.backward(fw, dClusters: rs, dProfile: rz, parameters: parameters, into: &g)
        // A step of 1e-3: large enough for Float32, small enough not to cross ReLU kinks.
        for name in parameters.names {
            GradientCheck.compare(g[name], parameters[name], step: 1e-3, samples: 15, tolerance: 2e-2, label: name) { m in
                var p = parameters
                p[name] = m
                return loss(p)
            }
        }
    }

    func testDecoderObjectiveMatchesFiniteDifferences() {
        let dataset = TestFixtures.generatedDataset(users: 40, items: 30)
        var c = TestFixtures.smallConfiguration
        c.clusters = 6
        c.topClusters = 2
        c.distillWeight = 0
        let trainer = Trainer(configuration: c, dataset: dataset)
        var rng = SeededRandom(seed: 5)
        var parameters = trainer.encoder.initialParameters(rng: &rng)
        parameters.add("decoder.w", .gaussian(rows: 6, cols: 30, std: 0.5, rng: &rng))
        let s = Matrix(rows: 3, cols: 6) { r, k in 0.1 + 0.13 * Float((r * 7 + k * 5) % 6) + 0.01 * Float(k) }
        let targets = [[1, 4, 7], [2], [10, 11]]
        let masked = [[0, 3], [5, 6, 7], []]
        for sparse in [false, true] {
            var g = parameters.zeros()
            let (_, dS) = trainer.decoderStep(s, targets: targets, masked: masked, teacher: nil, sparse: sparse,
                                              parameters: parameters, gradients: &g)
            func loss(_ s: Matrix, _ p: ParameterSet) -> Double {
                var scratch = p.zeros()
                return trainer.decoderStep(s, targets: targets, masked: masked, teacher: nil, sparse: sparse,
                                           parameters: p, gradients: &scratch).0
            }
            GradientCheck.compare(dS, s, step: 2e-3, label: "dS sparse=\(sparse)") { loss($0, parameters) }
            GradientCheck.compare(g["decoder.w"], parameters["decoder.w"], step: 1e-2, label: "decoder sparse=\(sparse)") { m in
                var p = parameters
                p["decoder.w"] = m
                return loss(s, p)
            }
        }
    }

    func testKeepTopClustersZeroesTheRest() {
        let s = Matrix(rows: 2, cols: 4, values: [0.1, 0.9, 0.5, 0.7, 0.3, 0.3, 0.2, 0.8])!
        let kept = Trainer.keepTopClusters(s, count: 2)
        XCTAssertEqual(kept.values, [0, 0.9, 0, 0.7, 0.3, 0, 0, 0.8])
    }
}
