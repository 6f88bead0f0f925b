/// Why bytes from the network could not become a message, or a message could not be accepted.
public enum WireError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The bytes are not a valid protobuf message of the expected type.
    case malformed(message: String)
    /// A string field holds bytes that are not UTF-8.
    case invalidUTF8(field: String)
    /// Parallel arrays (e.g. item_ids and ratings) have different lengths.
    case lengthMismatch(field: String, expected: Int, found: Int)
    /// A count or size above the configured limit.
    case tooLarge(field: String, count: Int, limit: Int)
    /// A value outside its range (NaN rating, unknown enum...).
    case invalidValue(field: String, reason: String)
    /// The envelope names a protocol version this build does not speak.
    case unsupportedProtocol(found: UInt32, supported: UInt32)
    /// The envelope carries no body (or one this receiver does not accept).
    case missingBody(message: String)

    public var description: String {
        switch self {
        case let .malformed(m): return "malformed \(m): the bytes do not decode"
        case let .invalidUTF8(f): return "field \(f) is not valid UTF-8"
        case let .lengthMismatch(f, e, n): return "field \(f) has \(n) entries, expected \(e)"
        case let .tooLarge(f, n, l): return "field \(f) has \(n) entries, the limit is \(l)"
        case let .invalidValue(f, r): return "field \(f) is invalid: \(r)"
        case let .unsupportedProtocol(found, supported): return "protocol version \(found) is not supported (this server speaks \(supported))"
        case let .missingBody(m): return "\(m) carries no body"
        }
    }
}

/// Limits applied while decoding untrusted bytes.
public struct WireLimits: Sendable, Equatable {
    public var maxMessageBytes = 8 << 20
    public var maxHistory = 10_000
    public var maxAttributes = 64
    public var maxStringBytes = 1_024
    public var maxClusters = 4_096
    public var maxItems = 1_000_000
    /// Items in one answer: a request's k, and a shard's reply (at most the request's k).
    public var maxResultItems = 10_000
    /// The largest frame the transport accepts: twice `maxMessageBytes`. A frame up to the wire
    /// limit is decoded; one between the two is refused with an error that carries its request ID
    /// (read without decoding); anything larger makes libzmq drop the peer's connection before the
    /// frame is buffered (ZMQ_MAXMSGSIZE), so no peer can make a process hold more than this per frame.
    public var transportFrameBytes: Int64 { 2 * Int64(maxMessageBytes) }
    /// Item IDs in a request's exclude list, and in its allow list.
    public var maxFilterItems = 100_000
    /// Attribute conditions in a request.
    public var maxFilterConditions = 16
    /// Requests in one client batch (the frames of one multipart message): counted before any is
    /// decoded; a larger batch is refused whole.
    public var maxBatchRequests = 10_000
    /// What unpacking one frame may allocate in protobuf-c: this floor plus `unpackBytesPerFrameByte`
    /// times the frame's size (a packed 1-byte varint becomes an 8-byte value, an empty string a
    /// pointer), so any frame's decoded form is bounded by its size.
    public var unpackBaseBytes = 256 * 1_024
    public var unpackBytesPerFrameByte = 8

    public init() {}
    public static let standard = WireLimits()
}

public enum WireProtocol {
    /// The protocol version this build speaks (the folder protocols/efficientrec/v1).
    public static let version: UInt32 = 1
}
