import Foundation
import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// The persona check: planted tastes *and* a strong popularity skew. Users pick taste
/// group g with probability ∝ 1/(g+1)^1.5 (five groups: 57 %, 20 %, 11 %, 7 %, 5 % of users) and
/// items are drawn with popularity 1/(j+1)^1.2, so the catalogue's most popular items belong to the
/// mainstream groups. A brand-new user who liked eight items of the *niche* group must still get
/// mostly that group's items — the failure this guards against is a vote that drifts to what is
/// popular overall. Asserted over eight seeds (each its own data and model), never one draw: a model
/// trained from another seed or summed by another CPU's OpenBLAS kernels is a different model.
///
/// The configuration checked is softmax cluster weights at T = 16 with decoder shortlists and no
/// balanced assignment, the setting in which clusters compete for a user. Niche-group share of the
/// persona's top 10 over the eight seeds: 0.975–1.0 when the vote ranked alone (one AMD EPYC, the
/// OpenBLAS kernels it can run), 0.8625–0.875 with the two-stage ranking blended by pool maxima at
/// β = 1 (native and Sandybridge kernels), 0.725 with the default blend by bounds at β = 0.25 (6–8
/// per seed: the item–item rows of eight niche items also reach popular items of other groups);
/// the popularity list holds none of the niche group's items, chance is 0.2. Measured, not asserted: the default sigmoid weights score 0.375 with
/// decoder shortlists and 0.2 (chance) with the default balanced member shortlists, and softmax
/// T = 16 with those 0.66 — balancing spreads a 5 % group's users over clusters it shares with
/// the mainstream groups. Real logs are measured in docs/results.md (personas and validation splits).
final class NichePersonaTests: XCTestCase {
    static let groups = 5
    static let niche = groups - 1
    static let seeds: [UInt64] = Array(1...8)
    static let groupSkew = 1.5
    static let popularityExponent = 1.2

    struct SeedOutcome {
        var seed: UInt64
        /// Niche-group items in the niche persona's top 10.
        var nicheInGroup: Int
        /// Niche-group items among the 10 most popular items the persona has not seen (what a
        /// popularity recommender would give).
        var nicheInPopular: Int
        /// Mean popularity rank (1 = most popular) of the persona's top 10.
        var meanPopularityRank: Double
        var problems: [String]
    }

    /// The configuration under test: softmax cluster weights at T = 16 (`--cluster-activation
    /// softmax --cluster-temperature 16`), the setting that makes clusters compete for a user.
    static func configuration(seed: UInt64) -> ModelConfiguration {
        var c = PlantedGroupBehaviourTests.configuration(seed: seed)
        c.clusterActivation = .softmax
        c.clusterTemperature = 16
        c.shortlistSource = .weights
        c.clusterBalance = 0
        return c
    }

    static let outcomes: [SeedOutcome] = seeds.map { seed in
        let dataset = TestFixtures.generatedDataset(
            users: 600, items: 150, groups: groups, seed: seed, groupSkew: groupSkew,
            popularityExponent: popularityExponent)
        let model = try! ModelBuilder.build(dataset: dataset, configuration: configuration(seed: seed)).model
        // Generated item j is "i\(j+1)" and belongs to group j mod G; within a group, lower j is more popular.
        func group(ofIndex i: Int) -> Int { (Int(model.items[i].dropFirst())! - 1) % groups }
        let liked = (0..<8).compactMap { model.items.index(of: "i\(niche + groups * $0 + 1)") }
        var vote = model.makeVote()
        let history = UserHistory(items: liked, ratings: Array(repeating: 5, count: liked.count))
        let r = model.recommend(history: history, attributes: model.attributes.encode(nil), k: 10, vote: &vote)
        var problems: [String] = []
        if r.items.count != 10 || !Set(r.items.map(\.index)).isDisjoint(with: liked) || r.fallback != .none {
            problems.append("seed \(seed): \(r.items.count) items, fallback \(r.fallback)")
        }
        let rank = Dictionary(uniqueKeysWithValues: model.popularity.enumerated().map { ($1, $0 + 1) })
        let popular = model.popularity.filter { !liked.contains($0) }.prefix(10)
        let ranks = r.items.map { Double(rank[$0.index] ?? model.items.count) }
        return SeedOutcome(
            seed: seed, nicheInGroup: r.items.filter { group(ofIndex: $0.index) == niche }.count,
            nicheInPopular: popular.filter { group(ofIndex: $0) == niche }.count,
            meanPopularityRank: ranks.reduce(0, +) / Double(max(1, ranks.count)), problems: problems)
    }

    static func share(_ counts: [Int]) -> Double { Double(counts.reduce(0, +)) / Double(10 * max(1, counts.count)) }

    override class func setUp() {
        super.setUp()
        for o in outcomes {
            print(
                "niche persona, seed \(o.seed): \(o.nicheInGroup)/10 niche items (popularity list: \(o.nicheInPopular)/10), "
                    + "mean popularity rank " + String(format: "%.1f", o.meanPopularityRank))
        }
        print(
            "niche persona over \(seeds.count) seeds: niche share \(share(outcomes.map(\.nicheInGroup))), "
                + "popularity list's \(share(outcomes.map(\.nicheInPopular)))")
    }

    func testEveryAnswerKeepsTheContract() {
        XCTAssertEqual(Self.outcomes.flatMap(\.problems), [])
    }

    func testTheNichePersonaMostlyGetsItsOwnGroup() {
        XCTAssertGreaterThanOrEqual(Self.share(Self.outcomes.map(\.nicheInGroup)), 0.6, "measured 0.725 (0.86 with pool maxima); chance is 0.2")
    }

    func testThePersonaIsNotServedThePopularityList() {
        let popular = Self.share(Self.outcomes.map(\.nicheInPopular))
        XCTAssertLessThanOrEqual(popular, 0.2, "the fixture must make popular items mainstream ones (else the test proves nothing)")
        XCTAssertGreaterThanOrEqual(Self.share(Self.outcomes.map(\.nicheInGroup)), popular + 0.4)
    }
}
