import Foundation
import RecData
import RecTestSupport
import RecVote
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// A shard worker reads only its items' part of the model file, with every check a full load makes.
final class ShardModelFileTests: XCTestCase {
    func saved(_ label: String) throws -> (path: String, model: RecommenderModel) {
        let model = ModelFileTests.built
        let path = TestFixtures.temporaryDirectory("shard-load") + "/\(label).efr"
        _ = try ModelFile.save(model, to: path)
        return (path, try ModelFile.load(path: path))
    }

    func testKeepsExactlyItsShareOfTheItems() throws {
        let (path, full) = try saved("whole")
        let partition = try ItemPartition(shardCount: 3, itemLoads: ItemShard.itemLoads(full))
        var entries = 0
        for s in 0..<3 {
            let shard = try ModelFile.loadShard(path: path, shard: s, shardCounts: [3, 2])
            XCTAssertEqual(shard.version, full.version)
            XCTAssertEqual(shard.itemCount, full.items.count)
            XCTAssertEqual(shard.configuration, full.configuration)
            XCTAssertEqual(Set(shard.parts.keys), s < 2 ? [2, 3] : [3], "shard 2 is not part of 2 shards")
            let part = try XCTUnwrap(shard.parts[3])
            let expected = ItemShard(full) { partition.owner(of: $0) == s }
            for c in 0..<full.configuration.clusters {
                XCTAssertEqual(part.shortlists.entries(c).map(\.index), expected.shortlists.entries(c).map(\.index), "cluster \(c)")
                XCTAssertEqual(part.shortlists.entries(c).map(\.score), expected.shortlists.entries(c).map(\.score), "cluster \(c)")
                XCTAssertTrue(part.shortlists.entries(c).allSatisfy { partition.owner(of: $0.index) == s })
            }
            XCTAssertEqual(part.itemModel?.targets, expected.itemModel?.targets)
            XCTAssertEqual(part.itemModel?.weights, expected.itemModel?.weights)
            entries += part.entryCount
        }
        XCTAssertEqual(entries, full.shortlists.items.count, "every shortlist entry on exactly one shard")
        XCTAssertThrowsError(try ModelFile.loadShard(path: path, shard: 3, shardCounts: [3])) {
            XCTAssertEqual($0 as? ShardModel.Problem, .notInPartition(shard: 3, shardCounts: [3]))
        }
    }

    /// A damaged byte anywhere — also in a section the worker does not keep — is refused.
    func testRefusesDamageInSectionsItDoesNotKeep() throws {
        let (path, _) = try saved("damaged")
        let bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        // Flip a byte in the middle of the file (inside the encoder weights, the largest section).
        var damaged = bytes
        damaged[bytes.count / 2] ^= 0x5A
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(damaged)))
        XCTAssertThrowsError(try ModelFile.loadShard(path: path, shard: 0, shardCounts: [2])) { error in
            guard case .checksumMismatch = error as? ModelFileError else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes.prefix(bytes.count - 10))))
        XCTAssertThrowsError(try ModelFile.loadShard(path: path, shard: 0, shardCounts: [2]))
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes + [0])))
        XCTAssertThrowsError(try ModelFile.loadShard(path: path, shard: 0, shardCounts: [2]))
        XCTAssertThrowsError(try ModelFile.loadShard(path: path + ".missing", shard: 0, shardCounts: [2])) { error in
            guard case .unreadable = error as? ModelFileError else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        XCTAssertNoThrow(try ModelFile.loadShard(path: path, shard: 0, shardCounts: [2]))
    }
}

/// Model files written before a setting existed still load, with that setting's default.
final class ConfigurationCompatibilityTests: XCTestCase {
    func testMissingSettingsTakeTheirDefaults() throws {
        var c = ModelConfiguration()
        c.clusters = 77
        c.topClusters = 7
        let json = try ModelFile.encodedConfiguration(c)
        var object = try JSONSerialization.jsonObject(with: Data(json)) as! [String: Any]
        for key in ["validationInterval", "patience", "validationUsers", "decoderLoss", "negativeSamples", "teacherItems"] {
            XCTAssertNotNil(object.removeValue(forKey: key), key)
        }
        let old = try JSONSerialization.data(withJSONObject: object)
        let decoded = try ModelFile.decodedConfiguration(ArraySlice([UInt8](old)))
        XCTAssertEqual(decoded, c)
        XCTAssertThrowsError(try ModelFile.decodedConfiguration(ArraySlice(Array("[1, 2]".utf8))))
        XCTAssertThrowsError(try ModelFile.decodedConfiguration(ArraySlice(Array("{\"clusters\": \"many\"}".utf8))))
    }
}
