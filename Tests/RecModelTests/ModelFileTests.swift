import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

final class ModelFileTests: XCTestCase {
    static let built: RecommenderModel = {
        let dataset = TestFixtures.generatedDataset(users: 120, items: 60)
        var c = TestFixtures.smallConfiguration
        c.epochs = 2; c.sparseEpochs = 1
        return try! ModelBuilder.build(dataset: dataset, configuration: c).model
    }()

    func testRoundTripPreservesEverythingAndTheAnswers() throws {
        let model = Self.built
        let (bytes, version) = try ModelFile.encode(model)
        let loaded = try ModelFile.decode(bytes)
        XCTAssertEqual(loaded.version, version)
        XCTAssertEqual(version.count, 16)
        XCTAssertEqual(loaded.configuration, model.configuration)
        XCTAssertEqual(loaded.items, model.items)
        XCTAssertEqual(loaded.parameters, model.parameters)
        XCTAssertEqual(loaded.shortlists, model.shortlists)
        XCTAssertEqual(loaded.popularity, model.popularity)
        XCTAssertEqual(loaded.attributes, model.attributes)
        XCTAssertEqual(loaded.itemFeatures.genres, model.itemFeatures.genres)
        Self.assertSameAnswers(model, loaded)
        // Same content, same version; saving and loading from disk works too.
        XCTAssertEqual(try ModelFile.encode(loaded).version, version)
        let path = TestFixtures.temporaryDirectory() + "/m.efr"
        XCTAssertEqual(try ModelFile.save(model, to: path), version)
        XCTAssertEqual(try ModelFile.load(path: path).version, version)
    }

    /// A model with a per-item bias stores it in a BIAS section; the section and the configuration
    /// must agree, and the loaded model votes exactly as the trained one (β added once per item).
    func testItemBiasRoundTripsAndMustAgreeWithTheConfiguration() throws {
        let dataset = TestFixtures.generatedDataset(users: 120, items: 60)
        var c = TestFixtures.smallConfiguration
        c.epochs = 2; c.sparseEpochs = 1
        c.itemBias = true
        c.popularityWeight = 0.5
        let model = try ModelBuilder.build(dataset: dataset, configuration: c).model
        XCTAssertEqual(model.itemBias.count, model.items.count)
        XCTAssertTrue(model.itemBias.contains { $0 != 0 })
        let loaded = try ModelFile.decode(try ModelFile.encode(model).bytes)
        XCTAssertEqual(loaded.itemBias, model.itemBias)
        XCTAssertEqual(loaded.parameters, model.parameters)
        let a = Self.assertSameAnswers(model, loaded)
        // The bias moves the scores: the same model without it scores differently.
        let unbiased = RecommenderModel(
            configuration: Self.withoutBias(c), items: model.items, itemFeatures: model.itemFeatures,
            attributes: model.attributes, parameters: model.parameters,
            shortlists: model.shortlists, popularity: model.popularity)
        var v3 = unbiased.makeVote()
        XCTAssertNotEqual(
            unbiased.recommend(history: Self.sampleHistory, attributes: [1, 1, 1], k: 10, vote: &v3).items.map(\.score),
            a.items.map(\.score))
        // A configuration with a bias but no BIAS section, and a BIAS section the configuration does not name.
        let missing = RecommenderModel(
            configuration: c, items: model.items, itemFeatures: model.itemFeatures, attributes: model.attributes,
            parameters: model.parameters, shortlists: model.shortlists, popularity: model.popularity)
        XCTAssertThrowsError(try ModelFile.decode(try ModelFile.encode(missing).bytes)) {
            XCTAssertEqual($0 as? ModelFileError, .missingSection("BIAS"))
        }
        let stray = RecommenderModel(
            configuration: Self.withoutBias(c), items: model.items, itemFeatures: model.itemFeatures,
            attributes: model.attributes, parameters: model.parameters, shortlists: model.shortlists,
            popularity: model.popularity, itemBias: model.itemBias)
        XCTAssertThrowsError(try ModelFile.decode(try ModelFile.encode(stray).bytes)) {
            guard case .malformed(section: "BIAS", _)? = $0 as? ModelFileError else { return XCTFail("\($0)") }
        }
    }

    /// Both models give the same items with the same scores for one history; returns the answer.
    @discardableResult
    static func assertSameAnswers(
        _ model: RecommenderModel, _ loaded: RecommenderModel,
        file: StaticString = #filePath, line: UInt = #line
    ) -> Recommendation {
        var v1 = model.makeVote(), v2 = loaded.makeVote()
        let a = model.recommend(history: sampleHistory, attributes: [1, 1, 1], k: 10, vote: &v1)
        let b = loaded.recommend(history: sampleHistory, attributes: [1, 1, 1], k: 10, vote: &v2)
        XCTAssertEqual(a.items.map(\.index), b.items.map(\.index), file: file, line: line)
        XCTAssertEqual(a.items.map(\.score), b.items.map(\.score), file: file, line: line)
        return a
    }

    static let sampleHistory = UserHistory(items: [0, 3, 5], ratings: [5, 4, 5])

    static func withoutBias(_ c: ModelConfiguration) -> ModelConfiguration {
        var c = c
        c.itemBias = false
        return c
    }

    func testEveryFlippedByteIsDetected() throws {
        let (bytes, _) = try ModelFile.encode(Self.built)
        var rng = SeededRandom(seed: 1)
        var positions = Array(0..<min(64, bytes.count))
        positions += (0..<200).map { _ in rng.below(bytes.count) }
        for p in positions {
            var corrupt = bytes
            corrupt[p] ^= 0x5A
            XCTAssertThrowsError(try ModelFile.decode(corrupt), "flipped byte \(p) went unnoticed")
        }
    }

    func testTruncationAtAnyPointFailsCleanly() throws {
        let (bytes, _) = try ModelFile.encode(Self.built)
        for length in [0, 4, 8, 12, 20, 27, 28, 40, bytes.count / 3, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try ModelFile.decode(Array(bytes.prefix(length))), "length \(length)")
        }
        XCTAssertThrowsError(try ModelFile.decode(bytes + [0])) { error in
            XCTAssertEqual(error as? ModelFileError, .malformed(section: "file", reason: "1 unexpected bytes after the last section"))
        }
    }

    func testSpecificErrors() throws {
        var (bytes, _) = try ModelFile.encode(Self.built)
        XCTAssertThrowsError(try ModelFile.decode(Array("not a model at all".utf8))) {
            XCTAssertEqual($0 as? ModelFileError, .notAModelFile)
        }
        var future = bytes
        future[8] = 9  // format version 9
        XCTAssertThrowsError(try ModelFile.decode(future)) {
            XCTAssertEqual($0 as? ModelFileError, .unsupportedFormatVersion(found: 9, supported: 1))
        }
        bytes[bytes.count - 1] ^= 1  // last payload byte (IIMD, the item–item model)
        XCTAssertThrowsError(try ModelFile.decode(bytes)) {
            XCTAssertEqual($0 as? ModelFileError, .checksumMismatch(section: "IIMD"))
        }
        XCTAssertThrowsError(try ModelFile.load(path: "/nonexistent/model.efr")) {
            XCTAssertEqual($0 as? ModelFileError, .unreadable(path: "/nonexistent/model.efr"))
        }
        XCTAssertTrue(ModelFileError.truncated(section: "ENCW").description.contains("truncated"))
    }

    func testSizeDoesNotDependOnTheNumberOfTrainingUsers() throws {
        // Same items, same settings; ten times more users.
        var c = TestFixtures.smallConfiguration
        c.epochs = 1; c.sparseEpochs = 0
        // Decoder shortlists hold min(L, items) entries per cluster.
        c.shortlistSource = .weights
        let small = TestFixtures.generatedDataset(users: 60, items: 50, seed: 3)
        let large = TestFixtures.generatedDataset(users: 600, items: 50, seed: 3)
        XCTAssertEqual(small.log.items.count, large.log.items.count)
        let a = try ModelFile.encode(ModelBuilder.build(dataset: small, configuration: c).model).bytes
        let b = try ModelFile.encode(ModelBuilder.build(dataset: large, configuration: c).model).bytes
        XCTAssertEqual(a.count, b.count)
        // Member-counted shortlists hold at most K·L entries whatever the number of users.
        c.objective = .triplet
        c.shortlistSource = .members
        let m = try ModelBuilder.build(dataset: large, configuration: c).model
        XCTAssertLessThanOrEqual(m.shortlists.items.count, c.clusters * c.shortlistLength)
    }
}
