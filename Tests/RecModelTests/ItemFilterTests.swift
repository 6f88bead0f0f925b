import RecData
import RecMath
import RecTestSupport
import RecVote
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// filters. The filtered answer is exactly the unfiltered vote's ranking of the items
/// that pass, completed from the popularity list with items that pass; conditions parse as
/// documented and say clearly what is wrong.
final class ItemFilterTests: XCTestCase {
    let features = ItemFeatures(
        genreVocabulary: IDMap(ids: ["Comedy", "Drama", "Children's"]),
        genres: [[0], [1], [0, 2], [], [2]], years: [1995, 1988, 2001, .nan, 1990], titles: ["a", "b", "c", "d", "e"])

    func testConditionsParseAndHold() throws {
        func passing(_ conditions: [String], excluded: Set<Int> = [], allowed: Set<Int>? = nil) throws -> [Int] {
            let parsed = try conditions.map { text throws(ItemFilterError) in try ItemFilter.parse(text, features: features) }
            let filter = ItemFilter(excluded: excluded, allowed: allowed, conditions: parsed)
            return (0..<5).filter { filter.allows($0, features: features) }
        }
        XCTAssertEqual(try passing(["genre in comedy|CHILDREN'S"]), [0, 2, 4])
        XCTAssertEqual(try passing(["Genres not in Comedy"]), [1, 3, 4], "an item without genres has none of them")
        XCTAssertEqual(try passing(["year >= 1990"]), [0, 2, 4], "an item without a year fails")
        XCTAssertEqual(try passing(["year<1990"]), [1])
        XCTAssertEqual(try passing(["year <= 1990"]), [1, 4])
        XCTAssertEqual(try passing(["year > 1995"]), [2])
        XCTAssertEqual(try passing(["year = 1988"]), [1])
        XCTAssertEqual(try passing(["genre in Comedy", "year >= 2000"]), [2], "every condition must hold")
        XCTAssertEqual(try passing([], excluded: [0, 3]), [1, 2, 4])
        XCTAssertEqual(try passing([], allowed: [3, 4]), [3, 4])
        XCTAssertEqual(try passing(["genre in Drama|Children's"], excluded: [4], allowed: [1, 2, 4]), [1, 2])
    }

    func testBadConditionsSayWhatIsWrong() {
        func error(_ text: String) -> String {
            do { _ = try ItemFilter.parse(text, features: features); return "parsed" } catch { return error.description }
        }
        XCTAssertTrue(error("genre in Western").contains("no item has the genre 'Western'"), error("genre in Western"))
        XCTAssertTrue(error("genre in Western").contains("Comedy, Drama, Children's"))
        XCTAssertTrue(error("rating > 3").contains("no attribute 'rating'"))
        XCTAssertTrue(error("year >= soon").contains("'soon' is not a number"))
        XCTAssertTrue(error("year ~ 1990").contains("year >= 1990"))
        XCTAssertTrue(error("genre Comedy").contains("genre in A|B"))
        XCTAssertTrue(error("genre in |").contains("names no genre"))
        XCTAssertTrue(error("   ").contains("empty"))
    }

    /// On a hand-built model, for many histories and filters: the filtered answer equals the
    /// unfiltered ranking (all voted items) without the removed items, then popular items that pass.
    func testTheFilteredAnswerIsTheUnfilteredRankingOfWhatPasses() {
        let model = HandBuiltModel.serving()
        var vote = model.makeVote()
        var rng = SeededRandom(seed: 4)
        let itemCount = model.items.count
        for round in 0..<200 {
            let items = (0..<(1 + rng.below(6))).map { _ in rng.below(itemCount) }
            let trimmed = UserHistory(items: items, ratings: items.map { _ in Float(4 + rng.below(2)) })
            let excluded = Set((0..<rng.below(20)).map { _ in rng.below(itemCount) })
            let allowed: Set<Int>? = round % 3 == 0 ? Set((0..<(10 + rng.below(40))).map { _ in rng.below(itemCount) }) : nil
            let filter = ItemFilter(excluded: excluded, allowed: allowed)
            let k = 1 + rng.below(25)
            let filtered = model.recommend(history: trimmed, attributes: [], k: k, vote: &vote, filter: filter)
            let full = model.recommend(history: trimmed, attributes: [], k: itemCount, vote: &vote)
            let passes = { (i: Int) in filter.allows(i, features: model.itemFeatures) }
            let votedPassing = full.items.prefix(full.items.count - full.filledFromPopularity).filter { passes($0.index) }
            var expected = Array(votedPassing.prefix(k).map(\.index))
            let history = Set(trimmed.items)
            for i in model.popularity where expected.count < k && !history.contains(i) && passes(i) && !expected.contains(i) {
                expected.append(i)
            }
            XCTAssertEqual(filtered.items.map(\.index), expected, "round \(round)")
            XCTAssertEqual(
                Array(filtered.items.prefix(votedPassing.count).map(\.score)), Array(votedPassing.prefix(k).map(\.score)),
                "round \(round): the scores of the voted items do not change")
            // Distinct removed candidates: voted items (not in the history) that fail the filter.
            let candidates = Set(full.items.prefix(full.items.count - full.filledFromPopularity).map(\.index))
            let prepared = model.prepare(history: trimmed, attributes: [])
            var shortlisted = Set<Int>()
            for (c, _) in prepared.clusters { for e in model.shortlists.list(c) { shortlisted.insert(Int(model.shortlists.items[e])) } }
            XCTAssertEqual(candidates, shortlisted.subtracting(history), "every shortlisted item is voted (a sanity check of the test)")
            XCTAssertEqual(filtered.filteredCandidates, candidates.filter { !passes($0) }.count, "round \(round)")
        }
    }

    func testWithoutAFilterNothingChanges() {
        let model = HandBuiltModel.serving()
        var vote = model.makeVote()
        let history = UserHistory(items: [1, 5, 9], ratings: [5, 4, 5])
        let plain = model.recommend(history: history, attributes: [], k: 20, vote: &vote)
        let empty = model.recommend(history: history, attributes: [], k: 20, vote: &vote, filter: ItemFilter())
        XCTAssertEqual(plain.items.map(\.index), empty.items.map(\.index))
        XCTAssertEqual(empty.filteredCandidates, 0)
    }
}
