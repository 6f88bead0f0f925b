import Foundation
import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// What training must achieve on planted taste groups, asserted over sixteen seeds rather than
/// one draw: a model trained from another seed, or summed in another order by another CPU's
/// OpenBLAS kernels, is a different model (the top-C choice among near-tied sigmoid activations
/// flips), so a check of one model tests luck, not the method.
///
/// Every seed generates its own data (400 users, 120 items, 4 groups) and trains a model (K = 16,
/// C = 3, L = 30, lr 1e-2, 40 + 15 epochs, no teacher). A brand-new user who liked eight popular
/// items of one group must mostly get that group's items (chance: 1/4); one known only by an
/// occupation correlated with the group (70 %) must get them more often than chance.
///
/// Measured on one Intel Xeon (AVX-512) under every OpenBLAS kernel it can run, with
/// OPENBLAS_NUM_THREADS 1 and 2 (identical results for 1 and 2):
///
///     kernel                  in-group share   weak groups (< 5/10)   worst seed   attributes only
///     SkylakeX (native)       0.847            6 / 64                 1 weak       0.594
///     Haswell, Zen            0.750            12 / 64                2 weak       0.648
///     Sandybridge, Nehalem    0.755            12 / 64                2 weak       0.536
///     Prescott                0.803            10 / 64                3 weak       0.550
///
/// Re-measured with the current code (batches prepared ahead, shortlists scaled by cluster size) on
/// one AMD EPYC under native, Zen, Haswell, SkylakeX, Cooperlake, Sandybridge, Nehalem and Prescott
/// kernels (one thread; SkylakeX and Prescott also two): in-group share 0.727–0.822, weak groups
/// 11–18 of 64, attributes only 0.464–0.559 (the same spread with the scaling off: 0.725–0.791,
/// 11–18). The weak-group bound sits about three standard deviations (≈ 2.5 groups) above 18.
///
/// A group's share is nearly all-or-nothing (a weak group gets 0–3 of 10), so a 64-group mean
/// has a standard deviation near 0.05; the thresholds sit about three of those below the lowest
/// mean measured. A single seed can have up to three weak groups, which is why no per-seed
/// assertion is made.
final class PlantedGroupBehaviourTests: XCTestCase {
    static let groups = 4
    static let seeds: [UInt64] = Array(1...16)

    struct SeedOutcome {
        var seed: UInt64
        /// In-group items among the top 10, per group.
        var inGroup: [Int]
        /// Cold-start users known only by their attributes: in-group items among the top 10, per group.
        var attributesOnly: [Int]
        /// Contract breaches (wrong length, history items recommended back, no profile from attributes).
        var problems: [String]
    }

    static func configuration(seed: UInt64) -> ModelConfiguration {
        var c = TestFixtures.smallConfiguration
        c.epochs = 40; c.sparseEpochs = 15
        c.learningRate = 1e-2
        c.distillWeight = 0
        c.seed = seed
        return c
    }

    static let outcomes: [SeedOutcome] = seeds.map { seed in
        let generator = try! SyntheticGenerator(.init(users: 400, items: 120, groups: groups, seed: seed))
        let dataset = TestFixtures.generatedDataset(users: 400, items: 120, groups: groups, seed: seed)
        let model = try! ModelBuilder.build(dataset: dataset, configuration: configuration(seed: seed)).model
        func group(ofIndex i: Int) -> Int { generator.group(ofItem: Int(model.items[i].dropFirst())! - 1) }
        var vote = model.makeVote()
        var inGroup: [Int] = [], attributesOnly: [Int] = [], problems: [String] = []
        for g in 0..<groups {
            // Generated item j is "i\(j+1)" and belongs to group j mod G; the first ones are the most popular.
            let liked = (0..<8).compactMap { model.items.index(of: "i\(g + groups * $0 + 1)") }
            let history = UserHistory(items: liked, ratings: Array(repeating: 5, count: liked.count))
            let r = model.recommend(history: history, attributes: model.attributes.encode(nil), k: 10, vote: &vote)
            if r.items.count != 10 || !Set(r.items.map(\.index)).isDisjoint(with: liked) {
                problems.append("seed \(seed), group \(g): \(r.items.count) items, history items \(Set(r.items.map(\.index)).intersection(liked))")
            }
            inGroup.append(r.items.filter { group(ofIndex: $0.index) == g }.count)
            // The generator's occupation "occ-g" is correlated with group g.
            let attributes = model.attributes.encode(["", "", "occ-\(g)"])
            let cold = model.recommend(history: UserHistory(items: [], ratings: []), attributes: attributes, k: 10, vote: &vote)
            if cold.fallback != .none || cold.clusters.isEmpty || cold.items.count != 10 {
                problems.append("seed \(seed), group \(g): attributes alone gave fallback \(cold.fallback), \(cold.items.count) items")
            }
            attributesOnly.append(cold.items.filter { group(ofIndex: $0.index) == g }.count)
        }
        return SeedOutcome(seed: seed, inGroup: inGroup, attributesOnly: attributesOnly, problems: problems)
    }

    static var shares: [Int] { outcomes.flatMap(\.inGroup) }
    static func mean(_ counts: [Int]) -> Double { Double(counts.reduce(0, +)) / Double(10 * max(1, counts.count)) }

    override class func setUp() {
        super.setUp()
        for o in outcomes { print("planted groups, seed \(o.seed): in-group top-10 \(o.inGroup), attributes only \(o.attributesOnly)") }
        print(
            "planted groups over \(seeds.count) seeds: mean in-group share \(mean(shares)), "
                + "weak groups \(shares.filter { $0 < 5 }.count) of \(shares.count), attributes only \(mean(outcomes.flatMap(\.attributesOnly)))")
    }

    func testEveryAnswerKeepsTheContract() {
        XCTAssertEqual(Self.outcomes.flatMap(\.problems), [])
    }

    func testANewUserMostlyGetsTheGroupTheyLiked() {
        XCTAssertGreaterThanOrEqual(Self.mean(Self.shares), 0.6, "measured 0.73-0.82; chance is 0.25")
    }

    func testFewGroupsAreMissedAcrossSeeds() {
        let weak = Self.shares.filter { $0 < 5 }.count
        XCTAssertLessThanOrEqual(weak, 25, "\(weak) of \(Self.shares.count) groups got fewer than 5/10 in-group items (measured 11-18)")
    }

    func testAttributesAloneBeatChance() {
        XCTAssertGreaterThanOrEqual(Self.mean(Self.outcomes.flatMap(\.attributesOnly)), 0.4, "measured 0.46-0.56; chance is 0.25")
    }
}
