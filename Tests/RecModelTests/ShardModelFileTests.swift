import Foundation
import XCTest
import RecData
import RecTestSupport
@testable import RecModel

/// A shard worker reads only its shortlists from the model file, with every check a full load makes.
final class ShardModelFileTests: XCTestCase {
    func saved(_ label: String) throws -> (path: String, model: RecommenderModel) {
        let model = ModelFileTests.built
        let path = TestFixtures.temporaryDirectory("shard-load") + "/\(label).efr"
        _ = try ModelFile.save(model, to: path)
        return (path, try ModelFile.load(path: path))
    }

    func testKeepsExactlyTheRequestedShortlists() throws {
        let (path, full) = try saved("whole")
        let wanted: Set<Int> = [0, 3, 7]
        let shard = try ModelFile.loadShard(path: path) { configuration in
            XCTAssertEqual(configuration, full.configuration)
            return wanted
        }
        XCTAssertEqual(shard.version, full.version)
        XCTAssertEqual(shard.itemCount, full.items.count)
        XCTAssertEqual(shard.configuration, full.configuration)
        for c in 0..<full.configuration.clusters {
            let expected = wanted.contains(c) ? full.shortlists.entries(c) : []
            XCTAssertEqual(shard.shortlists.entries(c).map(\.index), expected.map(\.index), "cluster \(c)")
            XCTAssertEqual(shard.shortlists.entries(c).map(\.score), expected.map(\.score), "cluster \(c)")
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
        XCTAssertThrowsError(try ModelFile.loadShard(path: path) { _ in [0] }) { error in
            guard case .checksumMismatch = error as? ModelFileError else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes.prefix(bytes.count - 10))))
        XCTAssertThrowsError(try ModelFile.loadShard(path: path) { _ in [0] })
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes + [0])))
        XCTAssertThrowsError(try ModelFile.loadShard(path: path) { _ in [0] })
        XCTAssertThrowsError(try ModelFile.loadShard(path: path + ".missing") { _ in [0] }) { error in
            guard case .unreadable = error as? ModelFileError else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        XCTAssertNoThrow(try ModelFile.loadShard(path: path) { _ in [0] })
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
