import RecData
import RecMath
import RecTestSupport
import RecVote
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// The two-stage ranking on a hand-built model (no training: the same on every CPU and kernel),
/// the item–item model's fits, and its model file section.
final class TwoStageRankingModelTests: XCTestCase {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// History {16} (group 0) activates clusters 0 and 1 (s0 = σ(2√3), s1 = σ(√3)); their pool is
    /// items 0, 4, 8, 1, 12, 5 with votes 0: 0.9 s0, 4: 0.8 s0, 8: 0.5 s0 + 0.6 s1, 1: 0.4 s0,
    /// 12: 0.3 s1, 5: 0.2 s1. Row 16 of B: 1 → 1, 5 → 0.5, 12 → -0.5, 19 → 3 (not in the pool).
    /// score = ii / max|ii| + 0.5 · vote / max vote.
    func testAKnownAnswerOfTheTwoStageScore() {
        let model = HandBuiltModel.twoStage(HandBuiltModel.knownAnswer(), rows: [16: [(1, 1), (5, 0.5), (12, -0.5), (19, 3)]], voteWeight: 0.5)
        var vote = model.makeVote()
        let r = model.recommend(history: UserHistory(items: [16], ratings: [5]), attributes: [], k: 6, vote: &vote)
        let s0 = Self.sigmoid(2 * 3.0.squareRoot()), s1 = Self.sigmoid(3.0.squareRoot())
        let votes: [Int: Double] = [0: 0.9 * s0, 4: 0.8 * s0, 8: 0.5 * s0 + 0.6 * s1, 1: 0.4 * s0, 12: 0.3 * s1, 5: 0.2 * s1]
        let ii: [Int: Double] = [1: 1, 5: 0.5, 12: -0.5]
        let maxVote = votes.values.max()!
        let expected = votes.keys.map { ($0, (ii[$0] ?? 0) + 0.5 * votes[$0]! / maxVote) }.sorted { $0.1 > $1.1 }
        XCTAssertEqual(r.items.map(\.index), [1, 5, 8, 0, 4, 12])
        XCTAssertEqual(r.items.map(\.index), expected.map(\.0))
        for (got, want) in zip(r.items, expected) { XCTAssertEqual(Double(got.score), want.1, accuracy: 1e-4) }
        // The vote alone, from the same model, ranks 8 first; item 19 never enters the pool.
        var v2 = model.makeVote()
        let voteOnly = model.withRanking(.vote).recommend(history: UserHistory(items: [16], ratings: [5]), attributes: [], k: 6, vote: &v2)
        XCTAssertEqual(voteOnly.items.map(\.index), [8, 0, 4, 1, 12, 5])
    }

    /// The same request with `BlendScale.bound`: the vote is divided by the largest vote the two
    /// clusters can give, s0 · 0.9 + s1 · 0.6 (the first entry of each list), and the item–item
    /// score by row 16's largest |weight|, 3 (item 19, outside the pool, still sets the bound).
    func testAKnownAnswerOfTheBoundedBlend() {
        let model = HandBuiltModel.twoStage(
            HandBuiltModel.knownAnswer(), rows: [16: [(1, 1), (5, 0.5), (12, -0.5), (19, 3)]],
            voteWeight: 0.5, blendScale: .bound)
        var vote = model.makeVote()
        let r = model.recommend(history: UserHistory(items: [16], ratings: [5]), attributes: [], k: 6, vote: &vote)
        let s0 = Self.sigmoid(2 * 3.0.squareRoot()), s1 = Self.sigmoid(3.0.squareRoot())
        let votes: [Int: Double] = [0: 0.9 * s0, 4: 0.8 * s0, 8: 0.5 * s0 + 0.6 * s1, 1: 0.4 * s0, 12: 0.3 * s1, 5: 0.2 * s1]
        let ii: [Int: Double] = [1: 1, 5: 0.5, 12: -0.5]
        let voteBound = 0.9 * s0 + 0.6 * s1
        let expected = votes.keys.map { ($0, (ii[$0] ?? 0) / 3 + 0.5 * votes[$0]! / voteBound) }.sorted { $0.1 > $1.1 }
        XCTAssertEqual(r.items.map(\.index), [1, 8, 0, 4, 5, 12])
        XCTAssertEqual(r.items.map(\.index), expected.map(\.0))
        for (got, want) in zip(r.items, expected) { XCTAssertEqual(Double(got.score), want.1, accuracy: 1e-4) }
        let prepared = model.prepare(history: UserHistory(items: [16], ratings: [5]), attributes: [])
        let bounds = model.blendBounds(prepared)
        XCTAssertEqual(Double(bounds.vote), voteBound, accuracy: 1e-4)
        XCTAssertEqual(bounds.itemItem, 3)
    }

    /// With the two-stage ranking an item's "because" items are the history items with the largest
    /// positive weights to it, and `similarities` are those weights.
    func testExplanationsNameTheHistoryItemsBehindTheItemItemScore() {
        let model = HandBuiltModel.twoStage(
            HandBuiltModel.knownAnswer(),
            rows: [16: [(1, 1), (5, 0.5), (12, -0.5)], 4: [(1, 0.3), (8, 0.2), (5, 0.5)]], voteWeight: 0.5)
        var vote = model.makeVote()
        let history = UserHistory(items: [16, 4], ratings: [5, 5])
        let r = model.recommend(history: history, attributes: [], k: 6, vote: &vote)
        let explained = Dictionary(uniqueKeysWithValues: zip(r.items.map(\.index), model.explain(r, history: history.items)))
        XCTAssertEqual(explained[1]?.because, [16, 4])
        XCTAssertEqual(explained[1]?.similarities, [1, 0.3])
        XCTAssertEqual(explained[5]?.because, [4, 16], "equal weights: the lower item first")
        XCTAssertEqual(explained[8]?.because, [4])
        XCTAssertEqual(explained[12]?.because, [], "a negative weight explains nothing")
        XCTAssertFalse(explained[8]?.clusters.isEmpty ?? true, "the clusters' shares stay")
    }

    /// Without history rows (a cold user, or a history the model has no rows for) the pool is
    /// ranked by the vote, and the popularity fill still completes short answers.
    func testWithoutItemItemEvidenceTheVoteRanksAndPopularityFills() {
        let model = HandBuiltModel.twoStage(HandBuiltModel.knownAnswer(), rows: [:], voteWeight: 0.5)
        var vote = model.makeVote()
        let r = model.recommend(history: UserHistory(items: [16], ratings: [5]), attributes: [], k: 8, vote: &vote)
        XCTAssertEqual(Array(r.items.map(\.index).prefix(6)), [8, 0, 4, 1, 12, 5])
        XCTAssertEqual(r.filledFromPopularity, 2)
        XCTAssertEqual(Array(r.items.map(\.index).suffix(2)), [19, 3], "popularity 12, 19, 0, 3 without the answer's items")
    }

    func testTheNeighbourhoodFitEqualsEASEWhenEveryItemIsInTheSupport() throws {
        let dataset = TestFixtures.generatedDataset(users: 200, items: 40)
        var settings = ItemItemFit.Settings()
        settings.lambda = 20
        settings.neighbours = 39
        settings.method = .ease
        let ease = try ItemItemFit.fit(log: dataset.log, settings: settings)
        settings.method = .neighbourhood
        settings.support = 40
        let local = try ItemItemFit.fit(log: dataset.log, settings: settings)
        XCTAssertNil(ease.validationError(itemCount: 40))
        XCTAssertNil(local.validationError(itemCount: 40))
        XCTAssertGreaterThan(ease.entryCount, 40 * 20)
        let history = [0, 3, 7, 12]
        let a = ease.scores(history: history, itemCount: 40), b = local.scores(history: history, itemCount: 40)
        let scale = a.map(abs).max()!
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-3 * scale) }
        // The EASE fit is EASE's closed form (the baseline's weights), cut to N per row.
        let reference = try EASE(log: dataset.log, lambda: 20, scale: .implicitFeedback, likedOnly: false, maxItems: 40)
        let full = reference.scores(items: history)
        for (x, y) in zip(a, full) { XCTAssertEqual(x, y, accuracy: 1e-4 * scale) }
    }

    /// With a support smaller than an item's co-occurring items, each column is the exact ridge
    /// regression on its M most co-occurring items, (G_SS + λI)⁻¹ G_S,i with G the full Gram, as
    /// long as every co-occurrence fits the budget. The log is built so that truncation matters:
    /// item 0's support is items 1–6, which co-occur with each other (30 users) less than with
    /// items 11–39 (100 users each), so rows cut to their 12 strongest lose the pairs inside it.
    func testTheNeighbourhoodFitIsTheExactLocalRegressionWithinTheBudget() throws {
        let n = 40
        var histories: [(id: String, history: UserHistory)] = []
        for u in 0..<30 { histories.append(("a\(u)", UserHistory(items: Array(0...10), ratings: Array(repeating: 5, count: 11)))) }
        for s in 1...10 {
            for u in 0..<100 {
                histories.append(("b\(s)-\(u)", UserHistory(items: [s] + Array(11..<n), ratings: Array(repeating: 5, count: n - 10))))
            }
        }
        let log = InteractionLog.from(histories: histories, items: IDMap(ids: (0..<n).map { "i\($0)" }), hasTimestamps: false)
        var settings = ItemItemFit.Settings()
        settings.method = .neighbourhood
        settings.support = 6
        settings.neighbours = n
        settings.lambda = 20
        let g = CooccurrenceGram.gram(log: log, items: Array(0..<n), scale: .implicitFeedback, likedOnly: false, threads: 1)
        var rows = [[(target: Int, weight: Float)]](repeating: [], count: n)
        for i in 0..<n {
            let counts = (0..<n).map { $0 == i ? 0 : g[i, $0] }
            let support = TopK.select(counts, k: 6).filter { $0.score > 0 }.map(\.index).sorted()
            guard !support.isEmpty else { continue }
            var a = Matrix(rows: support.count, cols: support.count) { x, y in g[support[x], support[y]] + (x == y ? 20 : 0) }
            var b = support.map { g[$0, i] }
            try Cholesky.solveInPlace(&a, &b)
            for (s, w) in zip(support, b) { rows[s].append((i, w)) }
        }
        let reference = ItemItemWeights(rows: rows, keep: n)
        func agrees(_ fitted: ItemItemWeights) -> Bool {
            fitted.targets == reference.targets
                && zip(fitted.weights, reference.weights).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
        }
        XCTAssertTrue(agrees(try ItemItemFit.fit(log: log, settings: settings)), "within the budget the fit is exact")
        settings.cooccurrenceBudget = 0  // each item keeps its 2M = 12 strongest co-occurrences
        XCTAssertFalse(agrees(try ItemItemFit.fit(log: log, settings: settings)), "the truncated rows lose pairs inside the support")
    }

    /// EASE's closed form on a catalogue too large for a dense inverse is refused with what to use
    /// instead, before anything large is allocated.
    func testTheDenseFitRefusesAHugeCatalogue() {
        let n = ItemItemFit.maxDenseItems + 1
        let log = InteractionLog.from(
            histories: [("u", UserHistory(items: [0, n - 1], ratings: [5, 5]))],
            items: IDMap(ids: (0..<n).map { "i\($0)" }), hasTimestamps: false)
        var settings = ItemItemFit.Settings()
        settings.method = .ease
        XCTAssertThrowsError(try ItemItemFit.fit(log: log, settings: settings)) { error in
            XCTAssertTrue("\(error)".contains("neighbourhood"), "\(error)")
        }
    }

    func testRowsKeepNWeightsAndTheAutoMethodFollowsTheCatalogueSize() throws {
        let dataset = TestFixtures.generatedDataset(users: 200, items: 40)
        var settings = ItemItemFit.Settings()
        settings.neighbours = 5
        let cut = try ItemItemFit.fit(log: dataset.log, settings: settings)
        XCTAssertLessThanOrEqual(cut.widestRow, 5)
        settings.denseLimit = 10
        XCTAssertEqual(settings.resolvedMethod(itemCount: 40), .neighbourhood)
        settings.support = 8
        let local = try ItemItemFit.fit(log: dataset.log, settings: settings)
        XCTAssertLessThanOrEqual(local.widestRow, 5)
        XCTAssertNil(local.validationError(itemCount: 40))
    }

    func testTheItemItemSectionRoundTripsAndIsChecked() throws {
        let dataset = TestFixtures.generatedDataset(users: 120, items: 60)
        var c = TestFixtures.smallConfiguration
        c.epochs = 2; c.sparseEpochs = 1
        c.ranking = .twoStage
        c.itemModelNeighbours = 20
        let model = try ModelBuilder.build(dataset: dataset, configuration: c).model
        XCTAssertTrue(model.ranksTwoStage)
        let (bytes, _) = try ModelFile.encode(model)
        let loaded = try ModelFile.decode(bytes)
        XCTAssertEqual(loaded.itemModel, model.itemModel)
        ModelFileTests.assertSameAnswers(model, loaded)
        // A model without an item–item model ranks by the vote (and says so in its file); a
        // vote-ranked model may still carry one.
        let stripped = RecommenderModel(
            configuration: c, items: model.items, itemFeatures: model.itemFeatures, attributes: model.attributes,
            parameters: model.parameters, shortlists: model.shortlists, popularity: model.popularity)
        XCTAssertEqual(stripped.configuration.ranking, .vote)
        XCTAssertEqual(try ModelFile.decode(try ModelFile.encode(stripped).bytes).configuration.ranking, .vote)
        let voteRanked = try ModelFile.decode(try ModelFile.encode(model.withRanking(.vote)).bytes)
        XCTAssertEqual(voteRanked.configuration.ranking, .vote)
        XCTAssertEqual(voteRanked.itemModel, model.itemModel)
        // A file that says two-stage but lost its IIMD section is refused: the section's tag is
        // renamed to one the reader does not know (checksums and the content hash redone).
        XCTAssertThrowsError(try ModelFile.decode(try Self.renamingSection("IIMD", to: "XXXX", in: bytes))) { error in
            XCTAssertEqual(error as? ModelFileError, .missingSection("IIMD"))
        }
        // A damaged section is refused with its name.
        XCTAssertThrowsError(
            try ModelFile.decode(
                try Self.replacingSection("IIMD", in: bytes) { payload in
                    var p = payload
                    p[p.count - 9] ^= 0x7F  // inside the last weights
                    p.replaceSubrange(4..<8, with: [0xFF, 0xFF, 0x00, 0x00])  // the first offset
                    return p
                })
        ) { error in
            guard case let .malformed(section, _)? = error as? ModelFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(section, "IIMD")
        }
    }

    /// The file's sections, parsed (tag, payload), after the 28-byte header.
    static func sections(_ bytes: [UInt8]) -> [(tag: [UInt8], payload: [UInt8])] {
        var out: [(tag: [UInt8], payload: [UInt8])] = []
        var p = 28
        while p < bytes.count {
            let tag = Array(bytes[p..<(p + 4)])
            var length = 0
            for k in 0..<8 { length |= Int(bytes[p + 4 + k]) << (8 * k) }
            out.append((tag, Array(bytes[(p + 16)..<(p + 16 + length)])))
            p += 16 + length
        }
        return out
    }

    /// Writes a file from sections with valid checksums and content hash (the reader then gets
    /// past them to the check under test).
    static func file(_ sections: [(tag: [UInt8], payload: [UInt8])]) -> [UInt8] {
        var out = ModelFile.magic
        func u32(_ v: UInt32) { for k in 0..<4 { out.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) } }
        func u64(_ v: UInt64) { for k in 0..<8 { out.append(UInt8((v >> (8 * UInt64(k))) & 0xFF)) } }
        u32(ModelFile.formatVersion)
        u32(UInt32(sections.count))
        u64(FNV1a.hash(sections.flatMap { [ArraySlice($0.tag), ArraySlice($0.payload)] }))
        u32(CRC32.checksum(out))
        for (tag, payload) in sections {
            out += tag
            u64(UInt64(payload.count))
            u32(CRC32.checksum(payload))
            out += payload
        }
        return out
    }

    static func renamingSection(_ tag: String, to other: String, in bytes: [UInt8]) throws -> [UInt8] {
        file(sections(bytes).map { $0.tag == Array(tag.utf8) ? (Array(other.utf8), $0.payload) : $0 })
    }

    static func replacingSection(_ tag: String, in bytes: [UInt8], _ change: ([UInt8]) -> [UInt8]) throws -> [UInt8] {
        file(sections(bytes).map { $0.tag == Array(tag.utf8) ? ($0.tag, change($0.payload)) : $0 })
    }

    /// A file written before the setting existed names no ranking: it serves by the vote, as it did.
    func testAConfigurationWithoutARankingDecodesAsTheVote() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ModelConfiguration())) as! [String: Any]
        json.removeValue(forKey: "ranking")
        let decoded = try ModelFile.decodedConfiguration(ArraySlice(try JSONSerialization.data(withJSONObject: json)))
        XCTAssertEqual(decoded.ranking, .vote)
        XCTAssertEqual(ModelConfiguration().ranking, .twoStage)
        json.removeValue(forKey: "blendScale")
        let older = try ModelFile.decodedConfiguration(ArraySlice(try JSONSerialization.data(withJSONObject: json)))
        XCTAssertEqual(older.blendScale, .poolMaximum, "a file without the setting ranks as it did")
    }
}
