import Foundation
import RecData

/// What a shard worker holds of a model: its version, configuration, the catalogue size and the
/// shortlists of the clusters it serves (the others empty). No item IDs, features or encoder
/// weights: those are the coordinator's, and at a million items they are most of the file.
public struct ShardModel: Sendable {
    public var version: String
    public var configuration: ModelConfiguration
    public var itemCount: Int
    public var shortlists: Shortlists

    public init(version: String, configuration: ModelConfiguration, itemCount: Int, shortlists: Shortlists) {
        self.version = version
        self.configuration = configuration
        self.itemCount = itemCount
        self.shortlists = shortlists
    }

    /// The worker's view of a whole model (tests and in-process clusters).
    public init(_ model: RecommenderModel) {
        self.init(version: model.version, configuration: model.configuration, itemCount: model.items.count,
                  shortlists: model.shortlists)
    }

    /// Keeps only the lists of `clusters`.
    public func keeping(_ clusters: Set<Int>) -> ShardModel {
        var copy = self
        copy.shortlists = Shortlists(lists: (0..<shortlists.clusterCount).map { clusters.contains($0) ? shortlists.entries($0) : [] })
        return copy
    }
}

extension ModelFile {
    /// Loads the part of a model file a shard worker needs. The file is streamed section by section:
    /// every checksum and the content version are verified as for `load`, but only the CONF, SHRT
    /// and the item count are kept, and only the lists of `clusters(configuration)`.
    public static func loadShard(path: String, clusters: (ModelConfiguration) -> Set<Int>) throws(ModelFileError) -> ShardModel {
        guard let file = fopen(path, "rb") else { throw .unreadable(path: path) }
        defer { fclose(file) }
        var stream = SectionStream(file: file)
        let header = try stream.read(magic.count + 4 + 4 + 8)
        guard Array(header[0..<magic.count]) == magic else { throw .notAModelFile }
        var r = ByteReader(header[...], section: "header")
        _ = try r.take(magic.count)
        let format = try r.u32()
        guard format == formatVersion else { throw .unsupportedFormatVersion(found: format, supported: formatVersion) }
        let sectionCount = Int(try r.u32())
        let hash = try r.u64()
        var crcBytes = ByteReader(try stream.read(4)[...], section: "header")
        guard try crcBytes.u32() == CRC32.checksum(header) else { throw .checksumMismatch(section: "header") }
        guard sectionCount <= 64 else { throw .malformed(section: "header", reason: "\(sectionCount) sections") }
        var content = FNV1a.Running()
        var kept: [String: [UInt8]] = [:]
        var seen = Set<String>()
        for _ in 0..<sectionCount {
            let head = try stream.read(16)
            var h = ByteReader(head[...], section: "header")
            let tagBytes = try h.take(4)
            let tag = String(decoding: tagBytes, as: UTF8.self)
            let length = try h.u64()
            let crc = try h.u32()
            content.add(tagBytes)
            // The worker keeps CONF, SHRT and POPL whole and the first 4 bytes of ITEM (its count).
            let keep: Int? = ["CONF", "SHRT", "POPL"].contains(tag) ? Int(clamping: length) : tag == "ITEM" ? 4 : nil
            let (prefix, sum) = try stream.consume(length: length, keepingPrefix: keep ?? 0, section: tag) { content.add($0) }
            guard sum == crc else { throw .checksumMismatch(section: tag) }
            if keep != nil { kept[tag] = prefix }
            seen.insert(tag)
        }
        guard try stream.atEnd() else { throw .malformed(section: "file", reason: "unexpected bytes after the last section") }
        guard content.value == hash else {
            throw .versionMismatch(header: formatVersionID(hash), content: formatVersionID(content.value))
        }
        for tag in sectionOrder where !seen.contains(tag) { throw .missingSection(tag) }
        let configuration: ModelConfiguration
        configuration = try ModelFile.decodedConfiguration(kept["CONF"]![...])
        if let problem = configuration.validationError() { throw .malformed(section: "CONF", reason: problem) }
        guard let countBytes = kept["ITEM"], countBytes.count == 4 else { throw .truncated(section: "ITEM") }
        var itemReader = ByteReader(countBytes[...], section: "ITEM")
        let itemCount = Int(try itemReader.u32())
        let all = try ModelFileSections.shortlists(kept["SHRT"]![...], clusters: configuration.clusters, itemCount: itemCount)
        let model = ShardModel(version: formatVersionID(hash), configuration: configuration, itemCount: itemCount, shortlists: all)
        return model.keeping(clusters(configuration))
    }
}
