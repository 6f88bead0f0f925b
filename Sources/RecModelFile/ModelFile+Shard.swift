import Foundation
import RecData
import RecInference
import RecMath
import RecVote

extension ModelFile {
    /// Loads shard `shard`'s items of a model file under each of `shardCounts`. The file is streamed
    /// section by section: every checksum and the content version are verified as for `load`, but
    /// only CONF, SHRT, BIAS, IIMD and the item count are read; they are cut to the shard's items
    /// (`ItemPartition` over the whole model's item loads) and the rest is dropped.
    public static func loadShard(path: String, shard: Int, shardCounts: [Int]) throws -> ShardModel {
        let (version, whole) = try loadServingParts(path: path)
        return try ShardModel(version: version, whole: whole, shard: shard, shardCounts: shardCounts)
    }

    /// The serving parts of a model file (what `loadShard` cuts), with the file's version.
    public static func loadServingParts(path: String) throws(ModelFileError) -> (version: String, parts: ServingParts) {
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
            // Kept whole: CONF, SHRT, BIAS, IIMD; of ITEM only its first 4 bytes (the count).
            let keep: Int? = ["CONF", "SHRT", "BIAS", "IIMD"].contains(tag) ? Int(clamping: length) : tag == "ITEM" ? 4 : nil
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
        let configuration = try ModelFile.decodedConfiguration(kept["CONF"]![...])
        if let problem = configuration.validationError() { throw .malformed(section: "CONF", reason: problem) }
        guard let countBytes = kept["ITEM"], countBytes.count == 4 else { throw .truncated(section: "ITEM") }
        var itemReader = ByteReader(countBytes[...], section: "ITEM")
        let itemCount = Int(try itemReader.u32())
        let shortlists = try ModelFileSections.shortlists(kept["SHRT"]![...], clusters: configuration.clusters, itemCount: itemCount)
        let itemBias = try ModelFileSections.itemBias(kept["BIAS"].map { $0[...] }, configuration: configuration, itemCount: itemCount)
        let itemModel = try ModelFileSections.itemModel(kept["IIMD"].map { $0[...] }, configuration: configuration, itemCount: itemCount)
        return (
            formatVersionID(hash),
            ServingParts(
                configuration: configuration, itemCount: itemCount, shortlists: shortlists,
                itemModel: itemModel, itemBias: itemBias)
        )
    }
}
