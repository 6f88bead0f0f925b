import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// The pieces that make training cost grow with interactions: lazy Adam, the co-occurrence Gram,
/// EASE on the top-N items, the sparse teacher and early stopping.
final class SparseTrainingTests: XCTestCase {
    /// Rows touched on every step move exactly as under dense Adam; untouched rows do not move.
    func testLazyAdamEqualsDenseAdamOnTheRowsItTouches() {
        var rng = SeededRandom(seed: 11)
        var parameters = ParameterSet()
        parameters.add("item.embedding", .gaussian(rows: 9, cols: 4, std: 1, rng: &rng))
        parameters.add("tower.w1", .gaussian(rows: 3, cols: 2, std: 1, rng: &rng))
        var dense = parameters, lazy = parameters
        var denseAdam = Adam(parameters: parameters, learningRate: 0.05)
        var lazyAdam = Adam(parameters: parameters, learningRate: 0.05)
        let touched = [7, 2, 5]
        for _ in 0..<25 {
            var g = GradientSet(like: lazy)
            g.addRows("item.embedding", touched, from: Matrix(rows: 3, cols: 4) { _, _ in rng.uniform(-1, 1) })
            // A repeated row accumulates.
            g.addRows("item.embedding", [2], from: Matrix(rows: 1, cols: 4) { _, _ in rng.uniform(-1, 1) })
            g.dense["tower.w1"] = Matrix(rows: 3, cols: 2) { _, _ in rng.uniform(-1, 1) }
            XCTAssertEqual(g.rows[0]?.indices, touched)
            lazyAdam.update(&lazy, gradients: g)
            denseAdam.update(&dense, gradients: g.materialized(like: dense))
        }
        XCTAssertEqual(lazy, dense)
        for r in 0..<9 where !touched.contains(r) {
            XCTAssertEqual(lazy["item.embedding"].row(r), parameters["item.embedding"].row(r))
        }
    }

    /// The sparse Gram equals XᵀX of the dense user × item matrix, for any thread count and item subset.
    func testCooccurrenceGramEqualsTheDenseGram() {
        let dataset = TestFixtures.generatedDataset(users: 120, items: 50)
        let log = dataset.log, scale = dataset.ratingScale
        for likedOnly in [false, true] {
            var x = Matrix(rows: log.users.count, cols: log.items.count)
            for u in 0..<log.users.count {
                let h = log.history(of: u)
                for k in 0..<h.count where !likedOnly || scale.isLiked(h.ratings[k]) { x[u, h.items[k]] = 1 }
            }
            let dense = BLAS.product(x, transposeA: true, x)
            for threads in [1, 3] {
                let all = CooccurrenceGram.gram(
                    log: log, items: Array(0..<log.items.count), scale: scale,
                    likedOnly: likedOnly, threads: threads)
                XCTAssertEqual(all, dense, "likedOnly=\(likedOnly) threads=\(threads)")
                let subset = [4, 17, 0, 33, 9]
                let part = CooccurrenceGram.gram(log: log, items: subset, scale: scale, likedOnly: likedOnly, threads: threads)
                for (a, i) in subset.enumerated() { for (b, j) in subset.enumerated() { XCTAssertEqual(part[a, b], dense[i, j]) } }
            }
            let top = CooccurrenceGram.topItems(log: log, scale: scale, likedOnly: likedOnly, limit: 10)
            let counts = (0..<log.items.count).map { dense[$0, $0] }
            XCTAssertEqual(top.map { counts[$0] }, counts.sorted(by: >).prefix(10).map { $0 })
        }
    }

    /// EASE on the top-N items is EASE fitted on the log restricted to those items; the others score 0.
    func testEASEOnTheTopItemsIsEASEOfTheRestrictedLog() throws {
        let dataset = TestFixtures.generatedDataset(users: 150, items: 40)
        let partial = try EASE(log: dataset.log, lambda: 20, scale: dataset.ratingScale, likedOnly: true, maxItems: 12, threads: 2)
        XCTAssertTrue(partial.isPartial)
        XCTAssertEqual(partial.fittedItems.count, 12)
        // Reference: a dense Gram over the same 12 items, inverted the textbook way.
        var x = Matrix(rows: dataset.log.users.count, cols: 12)
        for u in 0..<dataset.log.users.count {
            let h = dataset.log.history(of: u)
            for k in 0..<h.count where dataset.ratingScale.isLiked(h.ratings[k]) {
                if let col = partial.fittedItems.firstIndex(of: h.items[k]) { x[u, col] = 1 }
            }
        }
        var gram = BLAS.product(x, transposeA: true, x)
        for i in 0..<12 { gram[i, i] += 20 }
        let p = try Cholesky.inverse(gram)
        for i in 0..<12 {
            for j in 0..<12 {
                let expected: Float = i == j ? 0 : -p[i, j] / p[j, j]
                XCTAssertEqual(partial.weights[i, j], expected, accuracy: 1e-5)
            }
        }
        let unfitted = (0..<40).first { !partial.fittedItems.contains($0) }!
        let scores = partial.scores(items: [partial.fittedItems[0], unfitted])
        XCTAssertEqual(scores[unfitted], 0)
        XCTAssertEqual(scores[partial.fittedItems[1]], partial.weights[0, 1])
    }

    /// With every neighbour kept, the sparse teacher's scores are EASE's exactly (diagonal excluded).
    func testTeacherWithAllNeighboursScoresLikeEASE() throws {
        let dataset = TestFixtures.generatedDataset(users: 100, items: 30)
        let ease = try EASE(log: dataset.log, lambda: 15, scale: dataset.ratingScale, likedOnly: true)
        let teacher = DistillationTeacher(ease: ease, neighbours: 30)
        let scratch = TeacherScratch(itemCount: 30)
        let inputs = [3, 11, 3, 20]
        let sparse = scratch.scores(teacher, inputs: inputs)
        let dense = ease.scores(items: inputs)
        var rebuilt = [Float](repeating: 0, count: 30)
        for (i, s) in sparse { rebuilt[i] = s }
        for j in 0..<30 { XCTAssertEqual(rebuilt[j], dense[j], accuracy: 1e-6) }
        // Fewer neighbours: only the largest weights of each row are kept.
        let narrow = DistillationTeacher(ease: ease, neighbours: 4)
        let kept = scratch.scores(narrow, inputs: [3])
        XCTAssertLessThanOrEqual(kept.count, 4)
        let threshold = kept.map(\.score).min()!
        for j in 0..<30 where j != 3 && !kept.contains(where: { $0.item == j }) {
            XCTAssertLessThanOrEqual(ease.weights[3, j], threshold)
        }
    }

    /// A phase stops after `patience` checks without a better score and keeps the best weights.
    func testValidationRecordStopsAfterPatienceAndKeepsTheBest() {
        var record = ValidationRecord()
        var p = ParameterSet()
        p.add("x", Matrix(rows: 1, cols: 1))
        let scores = [0.1, 0.3, 0.25, 0.31, 0.2, 0.3, 0.29]
        var stoppedAt: Int? = nil
        for (k, s) in scores.enumerated() {
            p["x"] = Matrix(rows: 1, cols: 1, repeating: Float(k))
            if record.record(s, parameters: p, patience: 3) { stoppedAt = k; break }
        }
        XCTAssertEqual(stoppedAt, 6)
        XCTAssertTrue(record.stoppedEarly)
        XCTAssertEqual(record.bestOfPhase?["x"].values, [3])
        record.startPhase()
        XCTAssertNil(record.bestOfPhase)
    }

    /// With a minimum relative gain, a slow creep stops the phase though every check is a new best,
    /// and the best weights are still the last (highest) ones.
    func testValidationRecordStopsOnACreepBelowTheMinimumGain() {
        var record = ValidationRecord()
        var p = ParameterSet()
        p.add("x", Matrix(rows: 1, cols: 1))
        // +10 %, then +0.1 % per check: the creep counts against patience 3.
        let scores = [0.3, 0.33, 0.3303, 0.3306, 0.3309, 0.3312]
        var stoppedAt: Int? = nil
        for (k, s) in scores.enumerated() {
            p["x"] = Matrix(rows: 1, cols: 1, repeating: Float(k))
            if record.record(s, parameters: p, patience: 3, minImprovement: 0.005) { stoppedAt = k; break }
        }
        XCTAssertEqual(stoppedAt, 4)
        XCTAssertEqual(record.bestOfPhase?["x"].values, [4])
        // Without the minimum, the same creep keeps going.
        var plain = ValidationRecord()
        XCTAssertFalse(scores.contains { plain.record($0, parameters: p, patience: 3) })
    }
}
