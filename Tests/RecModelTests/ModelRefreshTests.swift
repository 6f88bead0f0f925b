import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// a refresh recounts the shortlists from a fresh log with the trained encoder. Planted:
/// the fresh log's group-0 users all like an item of group 1 that no group-0 cluster listed; after
/// the refresh a new group-0 user gets it first, before it they did not get it at all.
final class ModelRefreshTests: XCTestCase {
    func testNewTastesInAFreshLogReachTheShortlistsWithoutTraining() throws {
        let groups = 4
        let model = HandBuiltModel.serving(groups: groups)
        let newcomer = HandBuiltModel.item(group: 1, rank: 19, groups: groups)
        var vote = model.makeVote()
        let probe = UserHistory(items: [HandBuiltModel.item(group: 0, rank: 2, groups: groups)], ratings: [5])
        let before = model.recommend(history: probe, attributes: [], k: 10, vote: &vote)
        XCTAssertFalse(before.items.prefix(10 - before.filledFromPopularity).contains { $0.index == newcomer })

        // Fresh log: 30 group-0 users, each liking four group-0 items and the newcomer, plus an
        // item the model does not know.
        var rng = SeededRandom(seed: 3)
        var histories: [(id: String, history: UserHistory)] = []
        for u in 0..<30 {
            var items = (0..<4).map { _ in HandBuiltModel.item(group: 0, rank: rng.below(20), groups: groups) }
            items.append(newcomer)
            histories.append(("u\(u)", UserHistory(items: items + [model.items.count], ratings: Array(repeating: 5, count: items.count + 1))))
        }
        var ids = model.items
        ids.insert("brand-new-item")
        let log = InteractionLog.from(histories: histories, items: ids, hasTimestamps: false)
        let (refreshed, summary) = ModelRefresh.refresh(model, log: log)
        XCTAssertEqual(summary.users, 30)
        XCTAssertEqual(summary.unknownItems, 1)
        XCTAssertEqual(summary.unknownInteractions, 30)
        XCTAssertEqual(summary.emptyProfiles, 0)
        XCTAssertEqual(refreshed.items, model.items, "the catalogue does not change")
        XCTAssertEqual(refreshed.popularity.first, newcomer, "popularity is counted from the fresh log")

        var fresh = refreshed.makeVote()
        let after = refreshed.recommend(history: probe, attributes: [], k: 10, vote: &fresh)
        XCTAssertEqual(after.items.first?.index, newcomer, "the fresh taste leads the group-0 user's answer")
        XCTAssertEqual(after.clusters.map(\.index), before.clusters.map(\.index), "the encoder is unchanged")
        // The refreshed model survives its file format, as a new version.
        let reloaded = try ModelFile.decode(ModelFile.encode(refreshed).bytes)
        XCTAssertNotEqual(reloaded.version, try ModelFile.decode(ModelFile.encode(model).bytes).version)
    }

    /// Items the catalogue lacks join it from their features; existing items keep their vectors bit
    /// for bit, and a new item the fresh log's group-0 users like reaches a group-0 user's answer.
    func testNewItemsJoinFromTheirFeaturesWithoutMovingTheOthers() throws {
        let groups = 4
        let model = HandBuiltModel.serving(groups: groups)
        var table = ItemFeatureTable()
        table.ids = ["fresh-1", "fresh-2", model.items[0]]  // the last is known: not added again
        table.titles = ["Fresh One", "Fresh Two", "old"]
        table.genres = [["Comedy"], [], []]
        table.years = [2024, nil, 1990]
        let (grown, added) = ModelRefresh.adding(table, to: model)
        XCTAssertEqual(added, 2)
        XCTAssertEqual(grown.items.count, model.items.count + 2)
        XCTAssertEqual(
            Array(grown.itemVectors.values.prefix(model.itemVectors.count)), model.itemVectors.values,
            "existing items keep their vectors bit for bit")
        XCTAssertNotNil(grown.itemLookup.index(of: "fresh-1"))

        var rng = SeededRandom(seed: 6)
        var histories: [(id: String, history: UserHistory)] = []
        let freshIndex = grown.itemLookup.index(of: "fresh-1")!
        for u in 0..<30 {
            let items = (0..<4).map { _ in HandBuiltModel.item(group: 0, rank: rng.below(20), groups: groups) } + [freshIndex]
            histories.append(("u\(u)", UserHistory(items: items, ratings: Array(repeating: 5, count: items.count))))
        }
        let log = InteractionLog.from(histories: histories, items: grown.items, hasTimestamps: false)
        let (refreshed, summary) = ModelRefresh.refresh(model, log: log, newItems: table)
        XCTAssertEqual(summary.addedItems, 2)
        XCTAssertEqual(summary.unknownInteractions, 0, "the new item is known once added")
        var vote = refreshed.makeVote()
        let probe = UserHistory(items: [HandBuiltModel.item(group: 0, rank: 2, groups: groups)], ratings: [5])
        let answer = refreshed.recommend(history: probe, attributes: [], k: 10, vote: &vote)
        XCTAssertEqual(answer.items.first.map { refreshed.items[$0.index] }, "fresh-1")
        let reloaded = try ModelFile.decode(ModelFile.encode(refreshed).bytes)
        XCTAssertEqual(reloaded.itemVectors.values, refreshed.itemVectors.values, "the pinned normalisation survives the file")
    }
}
