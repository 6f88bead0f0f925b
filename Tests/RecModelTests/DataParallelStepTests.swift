import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// The recommend objective's batch split over threads is the same batch: the loss and every
/// gradient agree with the single-slice computation up to float summation order.
final class DataParallelStepTests: XCTestCase {
    func gradients(threads: Int, sparse: Bool, distill: Float) -> (Double, ParameterSet) {
        let dataset = TestFixtures.generatedDataset(users: 40, items: 30)
        var c = TestFixtures.smallConfiguration
        c.clusters = 6
        c.topClusters = 2
        c.distillWeight = distill
        c.decoderLoss = .sampled
        c.negativeSamples = 6
        c.teacherCandidates = 3
        c.sparsityWeight = 0.01
        c.threads = threads
        let trainer = Trainer(configuration: c, dataset: dataset)
        var rng = SeededRandom(seed: 5)
        var parameters = trainer.encoder.initialParameters(rng: &rng)
        parameters.add("decoder.items", .gaussian(rows: dataset.log.items.count, cols: 6, std: 0.5, rng: &rng))
        let teacher =
            distill > 0
            ? DistillationTeacher(ease: try! EASE(log: dataset.log, lambda: 10, scale: dataset.ratingScale, likedOnly: true), neighbours: 8)
            : nil
        let context = DecoderContext(configuration: c, dataset: dataset, teacher: teacher)
        let scratch = (0..<threads).map { _ in context.makeScratch() }
        var g = GradientSet(like: parameters)
        var draw = SeededRandom(seed: 11)
        let prepared = trainer.prepareRecommendBatch(Array(0..<24), context: context, scratch: scratch, rng: &draw)
        let loss = trainer.recommendStep(prepared, parameters: parameters, gradients: &g, sparse: sparse, threads: threads)
        return (loss, g.materialized(like: parameters))
    }

    /// Batches prepared several at once, one per thread, are the batches prepared one by one.
    func testBatchesPreparedTogetherEqualOneByOne() {
        let dataset = TestFixtures.generatedDataset(users: 40, items: 30)
        var c = TestFixtures.smallConfiguration
        c.batchSize = 8
        c.distillWeight = 0.5
        c.negativeSamples = 6
        c.teacherCandidates = 3
        let trainer = Trainer(configuration: c, dataset: dataset)
        let teacher = DistillationTeacher(
            ease: try! EASE(log: dataset.log, lambda: 10, scale: dataset.ratingScale, likedOnly: true),
            neighbours: 8)
        let context = DecoderContext(configuration: c, dataset: dataset, teacher: teacher)
        let users = Array((0..<40).reversed())
        func stream(_ b: Int) -> SeededRandom { SeededRandom.derived(seed: 3, stream: UInt64(b)) }
        let together = trainer.prepareRecommendBatches(
            1..<5, of: users, context: context,
            scratch: (0..<3).map { _ in context.makeScratch() }, randomStream: stream)
        XCTAssertEqual(together.count, 4)
        for (k, b) in (1..<5).enumerated() {
            var rng = stream(b)
            let alone = trainer.prepareRecommendBatch(
                Array(users[(b * 8)..<((b + 1) * 8)]), context: context,
                scratch: [context.makeScratch()], rng: &rng)
            XCTAssertEqual(together[k].inputs, alone.inputs)
            XCTAssertEqual(together[k].decoder.candidates, alone.decoder.candidates)
            XCTAssertEqual(together[k].decoder.targets.values, alone.decoder.targets.values)
            XCTAssertEqual(together[k].decoder.maskedColumns, alone.decoder.maskedColumns)
        }
    }

    func testSlicesOverThreadsEqualOneSlice() {
        for (sparse, distill) in [(false, Float(0)), (false, 0.5), (true, 0.5)] {
            let (loss1, g1) = gradients(threads: 1, sparse: sparse, distill: distill)
            let (loss3, g3) = gradients(threads: 3, sparse: sparse, distill: distill)
            XCTAssertGreaterThan(loss1, 0)
            XCTAssertEqual(loss1, loss3, accuracy: 1e-5 * max(1, abs(loss1)))
            var touched = 0
            for name in g1.names {
                let a = g1[name].values, b = g3[name].values
                XCTAssertEqual(a.count, b.count, name)
                let scale = max(1e-6, a.map(abs).max() ?? 0)
                let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-4 * scale, "\(name) sparse=\(sparse) distill=\(distill)")
                if a.contains(where: { $0 != 0 }) { touched += 1 }
            }
            // Every tensor of the encoder and the decoder receives some gradient.
            XCTAssertEqual(touched, g1.names.count, "sparse=\(sparse) distill=\(distill)")
        }
    }
}
