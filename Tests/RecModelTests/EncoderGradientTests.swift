import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

final class EncoderGradientTests: XCTestCase {
    func makeEncoder(_ activation: ModelConfiguration.ClusterActivation = .sigmoid) -> Encoder {
        var c = ModelConfiguration()
        c.clusterActivation = activation
        c.clusterTemperature = 3  // used by softmax only; a value other than 1 checks its gradient too
        c.embeddingDim = 5; c.genreDim = 3; c.towerHidden = 6; c.attributeDim = 2
        c.headHidden = 7; c.profileDim = 4; c.clusters = 6
        let features = ItemFeatures(
            genreVocabulary: IDMap(ids: ["a", "b", "c"]),
            genres: [[0], [1, 2], [], [0, 2], [1], [2]],
            years: [1990, 2000, .nan, 1985, 2010, 1970],
            titles: Array(repeating: "", count: 6))
        return Encoder(configuration: c, features: features, attributeVocabularySizes: [3, 4])
    }

    func testWholeEncoderMatchesFiniteDifferences() {
        for activation in ModelConfiguration.ClusterActivation.allCases { checkWholeEncoder(activation) }
    }

    func checkWholeEncoder(_ activation: ModelConfiguration.ClusterActivation) {
        let encoder = makeEncoder(activation)
        var rng = SeededRandom(seed: 3)
        let parameters = encoder.initialParameters(rng: &rng)
        // Small weights keep the clipped aggregate inside (−1, 1), where the clip is differentiable.
        let batch = [
            ProfileInput(items: [0, 1, 3], weights: [0.3, -0.2, 0.3], attributes: [1, 2]),
            ProfileInput(items: [2, 4], weights: [0.5, 0.5], attributes: [0, 3]),
            ProfileInput(items: [], weights: [], attributes: [2, 1]),
            ProfileInput(items: [5, 1], weights: [-0.4, 0.4], attributes: [1, 0])
        ]
        // Softmax weights are K × softmax; weighting them by 1/K keeps the loss on the sigmoid's scale,
        // where Float32 finite differences are accurate.
        let weightScale: Float = activation == .softmax ? 1 / Float(encoder.configuration.clusters) : 1
        let rs = Matrix(rows: 4, cols: 6) { _, _ in rng.uniform(-1, 1) * weightScale }
        let rz = Matrix(rows: 4, cols: 4) { _, _ in rng.uniform(-1, 1) }
        func loss(_ p: ParameterSet) -> Double {
            let fw = encoder.forward(batch, parameters: p)
            return GradientCheck.sum(fw.clusters, weightedBy: rs) + GradientCheck.sum(fw.profile, weightedBy: rz)
        }
        let fw = encoder.forward(batch, parameters: parameters)
        XCTAssertTrue(fw.profileRaw.values.allSatisfy { abs($0) < 1 })
        var sparse = GradientSet(like: parameters)
        encoder.backward(fw, dClusters: rs, dProfile: rz, parameters: parameters, into: &sparse)
        let g = sparse.materialized(like: parameters)
        // A step of 1e-3: large enough for Float32, small enough not to cross ReLU kinks.
        for name in parameters.names {
            GradientCheck.compare(g[name], parameters[name], step: 1e-3, samples: 15, tolerance: 2e-2, label: "\(activation) \(name)") { m in
                var p = parameters
                p[name] = m
                return loss(p)
            }
        }
    }

    /// A trainer with K = 6, C = 2 on `dataset` (30 items) and seeded parameters with a decoder.
    func decoderFixture(
        _ dataset: Dataset, loss: ModelConfiguration.DecoderLoss, negatives: Int,
        distill: Float, itemBias: Bool = false
    ) -> (Trainer, ParameterSet) {
        var c = TestFixtures.smallConfiguration
        c.itemBias = itemBias
        c.clusters = 6
        c.topClusters = 2
        c.distillWeight = distill
        c.decoderLoss = loss
        c.negativeSamples = negatives
        c.teacherCandidates = 3
        let trainer = Trainer(configuration: c, dataset: dataset)
        var rng = SeededRandom(seed: 5)
        var parameters = trainer.encoder.initialParameters(rng: &rng)
        parameters.add("decoder.items", .gaussian(rows: 30, cols: 6, std: 0.5, rng: &rng))
        if itemBias { parameters.add("decoder.bias", .gaussian(rows: 30, cols: 1, std: 0.5, rng: &rng)) }
        return (trainer, parameters)
    }

    /// One decoder step's gradients against finite differences: w.r.t. the activations and w.r.t.
    /// `tensor`, whose gradient it returns (materialized).
    static func checkDecoderStep(
        _ trainer: Trainer, _ parameters: ParameterSet, _ s: Matrix, _ batch: DecoderBatch, sparse: Bool,
        tensor: String, label: String
    ) -> Matrix {
        var g = GradientSet(like: parameters)
        let (_, dS) = trainer.decoderStep(s, batch: batch, sparse: sparse, parameters: parameters, gradients: &g)
        func value(_ s: Matrix, _ p: ParameterSet) -> Double {
            var scratch = GradientSet(like: p)
            return trainer.decoderStep(s, batch: batch, sparse: sparse, parameters: p, gradients: &scratch).0
        }
        GradientCheck.compare(dS, s, step: 2e-3, label: "dS " + label) { value($0, parameters) }
        let gradient = g.materialized(tensor, like: parameters)
        GradientCheck.compare(gradient, parameters[tensor], step: 1e-2, label: tensor + " " + label) { m in
            var p = parameters
            p[tensor] = m
            return value(s, p)
        }
        return gradient
    }

    /// Three examples' activations and a decoder batch over 30 items (targets, masks, teacher inputs).
    static func sampleBatch(_ context: DecoderContext) -> (Matrix, DecoderBatch) {
        let s = Matrix(rows: 3, cols: 6) { r, k in 0.1 + 0.13 * Float((r * 7 + k * 5) % 6) + 0.01 * Float(k) }
        var draw = SeededRandom(seed: 9)
        let batch = context.batch(
            targets: [[1, 4, 7], [2], [10, 11]], masked: [[0, 3], [5, 6, 7], []],
            teacherInputs: [[0, 3], [5, 6], [8]], rng: &draw)
        return (s, batch)
    }

    /// With a per-item bias β (logit = s · D_i + β_i − log π_i): the gradients w.r.t. the
    /// activations, the decoder rows and β, full and sampled, dense and top-C phase.
    func testItemBiasMatchesFiniteDifferences() {
        let dataset = TestFixtures.generatedDataset(users: 40, items: 30)
        for (loss, negatives) in [(ModelConfiguration.DecoderLoss.full, 5), (.sampled, 6)] {
            let (trainer, parameters) = decoderFixture(dataset, loss: loss, negatives: negatives, distill: 0, itemBias: true)
            let context = DecoderContext(configuration: trainer.configuration, dataset: dataset, teacher: nil)
            let (s, batch) = Self.sampleBatch(context)
            for sparse in [false, true] {
                let label = "bias \(loss) sparse=\(sparse)"
                let dBias = Self.checkDecoderStep(trainer, parameters, s, batch, sparse: sparse, tensor: "decoder.bias", label: label)
                XCTAssertTrue(dBias.values.contains { $0 != 0 }, label)
                for i in 0..<30 where batch.candidates.columnOf(i) == nil { XCTAssertEqual(dBias[i, 0], 0, label) }
            }
        }
    }

    /// The decoder loss, full and sampled (logQ-corrected candidates), dense and top-C phase, with
    /// and without the teacher: its gradients w.r.t. the activations and the decoder rows.
    func testDecoderObjectiveMatchesFiniteDifferences() {
        let dataset = TestFixtures.generatedDataset(users: 40, items: 30)
        for (loss, negatives, distill) in [(ModelConfiguration.DecoderLoss.full, 5, Float(0)), (.sampled, 6, 0), (.sampled, 6, 0.5)] {
            let (trainer, parameters) = decoderFixture(dataset, loss: loss, negatives: negatives, distill: distill)
            let teacher =
                distill > 0
                ? DistillationTeacher(ease: try! EASE(log: dataset.log, lambda: 10, scale: dataset.ratingScale, likedOnly: true), neighbours: 8)
                : nil
            let context = DecoderContext(configuration: trainer.configuration, dataset: dataset, teacher: teacher)
            let (s, batch) = Self.sampleBatch(context)
            XCTAssertEqual(batch.candidates.isFull, loss == .full)
            if loss == .sampled { XCTAssertLessThan(batch.candidates.count, 30) }
            for sparse in [false, true] {
                let label = "\(loss) distill=\(distill) sparse=\(sparse)"
                let dDecoder = Self.checkDecoderStep(trainer, parameters, s, batch, sparse: sparse, tensor: "decoder.items", label: label)
                // Only candidate rows receive gradient.
                for i in 0..<30 where batch.candidates.columnOf(i) == nil {
                    XCTAssertTrue(dDecoder.row(i).allSatisfy { $0 == 0 }, label)
                }
            }
        }
    }

    /// With at least as many negatives as items the sampled loss is the full softmax, value and gradient.
    func testSampledLossCoveringTheCatalogueIsTheFullLoss() {
        let dataset = TestFixtures.generatedDataset(users: 40, items: 30)
        var results: [(Double, Matrix)] = []
        for loss in ModelConfiguration.DecoderLoss.allCases {
            let (trainer, parameters) = decoderFixture(dataset, loss: loss, negatives: 30, distill: 0)
            let context = DecoderContext(configuration: trainer.configuration, dataset: dataset, teacher: nil)
            var draw = SeededRandom(seed: 1)
            let batch = context.batch(targets: [[1, 4], [2]], masked: [[0], [5, 6]], teacherInputs: [[], []], rng: &draw)
            XCTAssertTrue(batch.candidates.isFull)
            var g = GradientSet(like: parameters)
            let s = Matrix(rows: 2, cols: 6) { r, k in 0.2 + 0.1 * Float(r + k) }
            let (value, dS) = trainer.decoderStep(s, batch: batch, sparse: false, parameters: parameters, gradients: &g)
            results.append((value, dS))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
    }

    func testKeepTopClustersZeroesTheRest() {
        let s = Matrix(rows: 2, cols: 4, values: [0.1, 0.9, 0.5, 0.7, 0.3, 0.3, 0.2, 0.8])!
        let kept = Trainer.keepTopClusters(s, count: 2)
        XCTAssertEqual(kept.values, [0, 0.9, 0, 0.7, 0.3, 0, 0, 0.8])
    }
}
