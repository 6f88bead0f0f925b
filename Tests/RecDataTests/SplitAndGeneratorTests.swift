import RecMath
import RecTestSupport
import XCTest

@testable import RecData

final class SplitAndGeneratorTests: XCTestCase {
    func testUserSplitIsSeededDisjointAndComplete() {
        let a = UserSplit(userCount: 100, testFraction: 0.2, seed: 3)
        let b = UserSplit(userCount: 100, testFraction: 0.2, seed: 3)
        XCTAssertEqual(a.testUsers, b.testUsers)
        XCTAssertEqual(a.testUsers.count, 20)
        XCTAssertEqual(Set(a.testUsers + a.trainUsers), Set(0..<100))
        XCTAssertTrue(Set(a.testUsers).isDisjoint(with: a.trainUsers))
        XCTAssertNotEqual(UserSplit(userCount: 100, testFraction: 0.2, seed: 4).testUsers, a.testUsers)
        XCTAssertEqual(UserSplit(userCount: 1, testFraction: 0.5, seed: 1).testUsers, [])
    }

    func testHoldoutHalves() {
        let h = UserHistory(items: Array(0..<9), ratings: Array(repeating: 4, count: 9), timestamps: (0..<9).map(Double.init))
        var rng = SeededRandom(seed: 1)
        let (given, held) = UserSplit.holdout(h, order: .random, rng: &rng)
        XCTAssertEqual(held.count, 4)
        XCTAssertEqual(Set(given.items + held.items), Set(0..<9))
        let (g2, h2) = UserSplit.holdout(h, order: .time, rng: &rng)
        XCTAssertEqual(h2.items, [5, 6, 7, 8], "the most recent half is held out")
        XCTAssertEqual(g2.items, [0, 1, 2, 3, 4])
        let (g3, h3) = UserSplit.holdout(UserHistory(items: [1, 2], ratings: [5, 5]), order: .random, rng: &rng)
        XCTAssertEqual(g3.count + h3.count, 2)
        XCTAssertEqual(h3.count, 1)
    }

    /// A given limit keeps the held-out half as it was and gives a subset of the given half: a
    /// random choice, or with `.time` the most recent items before the held-out half.
    func testAGivenLimitShortensOnlyTheGivenHalf() {
        let h = UserHistory(items: Array(0..<20), ratings: Array(repeating: 4, count: 20), timestamps: (0..<20).map(Double.init))
        for seed in 1...5 as ClosedRange<UInt64> {
            var full = SeededRandom(seed: seed), limited = SeededRandom(seed: seed)
            let (given, held) = UserSplit.holdout(h, order: .random, rng: &full)
            let (short, sameHeld) = UserSplit.holdout(h, order: .random, givenLimit: 3, rng: &limited)
            XCTAssertEqual(sameHeld, held)
            XCTAssertEqual(short.count, 3)
            XCTAssertTrue(Set(short.items).isSubset(of: given.items))
        }
        var rng = SeededRandom(seed: 1)
        let (recent, held) = UserSplit.holdout(h, order: .time, givenLimit: 4, rng: &rng)
        XCTAssertEqual(held.items, Array(10..<20))
        XCTAssertEqual(recent.items, [6, 7, 8, 9])
        let (all, _) = UserSplit.holdout(h, order: .time, givenLimit: Int.max, rng: &rng)
        XCTAssertEqual(all.items, Array(0..<10), "a limit above the half gives the whole half")
    }

    func testGeneratorIsSeededAndPlantsGroups() throws {
        let dir1 = TestFixtures.generatedDirectory(users: 200, items: 80, groups: 4, seed: 5)
        let dir2 = TestFixtures.generatedDirectory(users: 200, items: 80, groups: 4, seed: 5)
        for name in ["interactions.tsv", "items.tsv", "users.tsv"] {
            XCTAssertEqual(FileManager.default.contents(atPath: dir1 + "/" + name), FileManager.default.contents(atPath: dir2 + "/" + name), name)
        }
        let d = try Dataset.load(interactions: dir1 + "/interactions.tsv", items: dir1 + "/items.tsv", users: dir1 + "/users.tsv")
        XCTAssertEqual(d.log.users.count, 200)
        XCTAssertEqual(d.log.items.count, 80)
        let generator = try SyntheticGenerator(.init(users: 200, items: 80, groups: 4, seed: 5))
        // Liked items mostly come from the user's planted group.
        var inGroup = 0, liked = 0
        for u in 0..<200 {
            let g = generator.group(ofUser: Int(d.log.users[u].dropFirst())! - 1)
            let h = d.log.history(of: u)
            for k in 0..<h.count where h.ratings[k] >= 4 {
                liked += 1
                if generator.group(ofItem: Int(d.log.items[h.items[k]].dropFirst())! - 1) == g { inGroup += 1 }
            }
        }
        XCTAssertGreaterThan(Double(inGroup) / Double(liked), 0.85)
        // Popularity follows a power law: the most popular item is far more frequent than the median one.
        var counts = [Int](repeating: 0, count: 80)
        for i in d.log.itemIndices { counts[Int(i)] += 1 }
        let sorted = counts.sorted(by: >)
        XCTAssertGreaterThan(sorted[0], 3 * max(1, sorted[40]))
    }

    func testGeneratorRejectsBadSettings() {
        XCTAssertThrowsError(try SyntheticGenerator(.init(users: 0, items: 10)))
        XCTAssertThrowsError(try SyntheticGenerator(.init(users: 10, items: 1)))
        XCTAssertThrowsError(try SyntheticGenerator(.init(users: 10, items: 10, groups: 11)))
        XCTAssertThrowsError(try SyntheticGenerator(.init(users: 10, items: 10)).write(to: "/proc/forbidden/dir"))
    }
}
