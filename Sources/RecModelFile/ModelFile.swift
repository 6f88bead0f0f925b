import Foundation
import RecData
import RecInference
import RecMath

/// The versioned binary model artifact.
///
///     header:  "EFRECMDL" · format version u32 · section count u32 · model version u64 · CRC-32 of the header
///     section: tag (4 ASCII bytes) · payload length u64 · CRC-32 of the payload u32 · payload
///
/// Sections: CONF (configuration, JSON), ITEM (item ID table), FEAT (item features), ATTR (user
/// attribute vocabularies), ENCW (encoder tensors), SHRT (shortlists), POPL (popularity fallback),
/// BIAS (the per-item bias β, present exactly when the configuration has `itemBias`) and IIMD (the
/// sparse item–item model of the two-stage ranking: row offsets, target items, weights; present
/// whenever the configuration ranks two-stage).
/// The model version is FNV-1a-64 of all section tags and payloads, so equal content ⇒ equal version.
/// All integers are little-endian.
public enum ModelFile {
    public static let magic = Array("EFRECMDL".utf8)
    public static let formatVersion: UInt32 = 1
    static let sectionOrder = ["CONF", "ITEM", "FEAT", "ATTR", "ENCW", "SHRT", "POPL"]

    public static func formatVersionID(_ hash: UInt64) -> String {
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Serialises a model; returns the bytes and the model version they carry.
    public static func encode(_ model: RecommenderModel) throws(ModelFileError) -> (bytes: [UInt8], version: String) {
        var sections: [(String, [UInt8])] = []
        sections.append(("CONF", try encodedConfiguration(model.configuration)))
        var w = ByteWriter()
        w.count(model.items.count)
        for id in model.items.ids { w.string(id) }
        sections.append(("ITEM", w.bytes))
        w = ByteWriter()
        w.count(model.itemFeatures.genreVocabulary.count)
        for g in model.itemFeatures.genreVocabulary.ids { w.string(g) }
        w.count(model.itemFeatures.genres.count)
        for g in model.itemFeatures.genres { w.ints(g) }
        w.floats(model.itemFeatures.years)
        sections.append(("FEAT", w.bytes))
        w = ByteWriter()
        w.count(model.attributes.columnNames.count)
        for (name, vocab) in zip(model.attributes.columnNames, model.attributes.vocabularies) {
            w.string(name)
            w.count(vocab.count)
            for v in vocab.ids { w.string(v) }
        }
        sections.append(("ATTR", w.bytes))
        w = ByteWriter()
        w.count(model.parameters.names.count)
        for (name, t) in zip(model.parameters.names, model.parameters.tensors) {
            w.string(name); w.count(t.rows); w.count(t.cols); w.floats(t.values)
        }
        sections.append(("ENCW", w.bytes))
        w = ByteWriter()
        w.ints(model.shortlists.offsets)
        w.ints(model.shortlists.items.map(Int.init))
        w.floats(model.shortlists.scores)
        sections.append(("SHRT", w.bytes))
        w = ByteWriter()
        w.ints(model.popularity)
        sections.append(("POPL", w.bytes))
        if !model.itemBias.isEmpty {
            w = ByteWriter()
            w.floats(model.itemBias)
            sections.append(("BIAS", w.bytes))
        }
        if let itemModel = model.itemModel {
            w = ByteWriter()
            w.ints(itemModel.offsets)
            w.ints(itemModel.targets.map(Int.init))
            w.floats(itemModel.weights)
            sections.append(("IIMD", w.bytes))
        }

        let hash = FNV1a.hash(sections.flatMap { [ArraySlice($0.0.utf8), ArraySlice($0.1)] })
        var out = ByteWriter()
        out.bytes = magic
        out.u32(formatVersion)
        out.count(sections.count)
        out.u64(hash)
        out.u32(CRC32.checksum(out.bytes))
        for (tag, payload) in sections {
            out.bytes.append(contentsOf: tag.utf8)
            out.u64(UInt64(payload.count))
            out.u32(CRC32.checksum(payload))
            out.bytes.append(contentsOf: payload)
        }
        return (out.bytes, formatVersionID(hash))
    }

    /// The CONF section: the configuration as JSON with sorted keys (byte-stable, so equal content
    /// gives an equal version). Fails on non-finite numbers, which JSON cannot carry.
    static func encodedConfiguration(_ configuration: ModelConfiguration, path: String = "") throws(ModelFileError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return [UInt8](try encoder.encode(configuration)) } catch {
            throw .unwritable(path: path, reason: "configuration does not encode: \(error)")
        }
    }

    /// Checks, before hours of training, that a model with `configuration` could be stored in `path`
    /// (its configuration encodes; `checkWritable` checks the file itself).
    public static func checkEncodable(_ configuration: ModelConfiguration, for path: String) throws(ModelFileError) {
        _ = try encodedConfiguration(configuration, path: path)
    }

    /// A file can be created in `path`'s directory (the save writes a temporary file there, then renames it).
    public static func checkWritable(_ path: String) throws(ModelFileError) {
        guard !path.isEmpty else { throw .unwritable(path: path, reason: "no output path") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .unwritable(path: path, reason: "it is a directory")
        }
        let probe = path + ".probe-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            let directory = (path as NSString).deletingLastPathComponent
            throw .unwritable(path: path, reason: "cannot create a file in '\(directory.isEmpty ? "." : directory)'")
        }
        unlink(probe)
    }

    public static func save(_ model: RecommenderModel, to path: String) throws(ModelFileError) -> String {
        let bytes: [UInt8], version: String
        do { (bytes, version) = try encode(model) } catch {
            if case let .unwritable(_, reason) = error { throw .unwritable(path: path, reason: reason) }
            throw error
        }
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw .unwritable(path: path, reason: "cannot create the file")
        }
        // Atomic replace: a reader never sees a half-written model.
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        return version
    }

    public static func load(path: String) throws(ModelFileError) -> RecommenderModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        return try decode([UInt8](data))
    }

    public static func decode(_ bytes: [UInt8]) throws(ModelFileError) -> RecommenderModel {
        var r = ByteReader(bytes[...], section: "header")
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { throw .notAModelFile }
        _ = try r.take(magic.count)
        let version = try r.u32()
        guard version == formatVersion else { throw .unsupportedFormatVersion(found: version, supported: formatVersion) }
        let sectionCount = Int(try r.u32())
        let hash = try r.u64()
        let headerEnd = r.position
        guard try r.u32() == CRC32.checksum(bytes[0..<headerEnd]) else { throw .checksumMismatch(section: "header") }
        guard sectionCount <= 64 else { throw .malformed(section: "header", reason: "\(sectionCount) sections") }
        var payloads: [String: ArraySlice<UInt8>] = [:]
        var hashed: [ArraySlice<UInt8>] = []
        for _ in 0..<sectionCount {
            let tagBytes = try r.take(4)
            let tag = String(decoding: tagBytes, as: UTF8.self)
            let length = try r.u64()
            let crc = try r.u32()
            guard length <= UInt64(r.remaining) else { throw .truncated(section: tag) }
            let payload = try r.take(Int(length))
            guard CRC32.checksum(payload) == crc else { throw .checksumMismatch(section: tag) }
            payloads[tag] = payload
            hashed.append(tagBytes); hashed.append(payload)
        }
        guard r.atEnd else { throw .malformed(section: "file", reason: "\(r.remaining) unexpected bytes after the last section") }
        let content = FNV1a.hash(hashed)
        guard content == hash else { throw .versionMismatch(header: formatVersionID(hash), content: formatVersionID(content)) }
        for tag in sectionOrder where payloads[tag] == nil { throw .missingSection(tag) }
        var model = try ModelFileSections(payloads).model()
        model.version = formatVersionID(hash)
        return model
    }
}

extension ModelFile {
    /// The CONF section as a configuration. Settings a file does not name take today's defaults, so
    /// a model written before a setting existed still loads (new settings are added with defaults
    /// that keep the old serving behaviour; training-only ones do not affect serving at all).
    /// Settings whose default changed since files first omitted them: a file that does not name
    /// one serves as it did when written.
    static let legacyDefaults: [String: String] = [
        "ranking": ModelConfiguration.Ranking.vote.rawValue,
        "blendScale": ModelConfiguration.BlendScale.poolMaximum.rawValue
    ]

    static func decodedConfiguration(_ payload: ArraySlice<UInt8>) throws(ModelFileError) -> ModelConfiguration {
        do {
            guard var stored = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else {
                throw ModelFileError.malformed(section: "CONF", reason: "the configuration is not a JSON object")
            }
            let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ModelConfiguration())) as? [String: Any] ?? [:]
            for (key, value) in legacyDefaults where stored[key] == nil { stored[key] = value }
            for (key, value) in defaults where stored[key] == nil { stored[key] = value }
            let merged = try JSONSerialization.data(withJSONObject: stored)
            return try JSONDecoder().decode(ModelConfiguration.self, from: merged)
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw .malformed(section: "CONF", reason: "configuration does not decode: \(error)")
        }
    }
}
