/// Why a model file could not be loaded or saved.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case unwritable(path: String, reason: String)
    case notAModelFile
    case unsupportedFormatVersion(found: UInt32, supported: UInt32)
    case truncated(section: String)
    case checksumMismatch(section: String)
    case missingSection(String)
    case malformed(section: String, reason: String)
    case versionMismatch(header: String, content: String)

    public var description: String {
        switch self {
        case let .unreadable(path): return "cannot read model file '\(path)'"
        case let .unwritable(path, reason): return "cannot write model file '\(path)': \(reason)"
        case .notAModelFile: return "not an EfficientRec model file (bad magic bytes)"
        case let .unsupportedFormatVersion(found, supported):
            return "model file format version \(found) is not supported (this build reads version \(supported))"
        case let .truncated(section): return "model file is truncated (in \(section))"
        case let .checksumMismatch(section): return "model file is corrupt: checksum mismatch in section \(section)"
        case let .missingSection(tag): return "model file has no \(tag) section"
        case let .malformed(section, reason): return "model file section \(section) is malformed: \(reason)"
        case let .versionMismatch(header, content):
            return "model file is corrupt: header names model version \(header) but the content hashes to \(content)"
        }
    }
}
