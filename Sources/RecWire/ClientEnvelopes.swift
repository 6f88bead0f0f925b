import CProtobufC
import CRecProtocol

/// What a client sends to the coordinator (one ZeroMQ frame).
public enum ClientMessage: Equatable, Sendable {
    case recommend(RecommendRequest)
    case status(StatusRequest)

    public func serializedBytes() -> [UInt8] {
        let arena = CArena()
        var m = Efficientrec__V1__ClientMessage()
        efficientrec__v1__client_message__init(&m)
        m.protocol_version = WireProtocol.version
        switch self {
        case let .recommend(r):
            m.body_case = EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_RECOMMEND
            m.recommend = arena.object(r.makeC(arena))
        case let .status(s):
            m.body_case = EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_STATUS
            m.status = arena.object(s.makeC(arena))
        }
        var out = [UInt8](repeating: 0, count: efficientrec__v1__client_message__get_packed_size(&m))
        _ = efficientrec__v1__client_message__pack(&m, &out)
        return out
    }

    public init(serializedBytes bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        guard bytes.count <= limits.maxMessageBytes else {
            throw .tooLarge(field: "message bytes", count: bytes.count, limit: limits.maxMessageBytes)
        }
        let decoded = bytes.withUnsafeBufferPointer { efficientrec__v1__client_message__unpack(nil, $0.count, $0.baseAddress) }
        guard let decoded else { throw .malformed(message: "ClientMessage") }
        defer { efficientrec__v1__client_message__free_unpacked(decoded, nil) }
        let m = decoded.pointee
        guard m.protocol_version == WireProtocol.version else {
            throw .unsupportedProtocol(found: m.protocol_version, supported: WireProtocol.version)
        }
        switch m.body_case {
        case EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_RECOMMEND:
            guard let r = m.recommend?.pointee else { throw .missingBody(message: "ClientMessage") }
            self = .recommend(try RecommendRequest(r, limits: limits))
        case EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_STATUS:
            guard let s = m.status?.pointee else { throw .missingBody(message: "ClientMessage") }
            self = .status(try StatusRequest(s, limits: limits))
        default:
            throw .missingBody(message: "ClientMessage")
        }
    }
}

/// What the coordinator sends back (one ZeroMQ frame).
public enum ServerMessage: Equatable, Sendable {
    case recommend(RecommendResponse)
    case error(ErrorReply)
    case status(StatusResponse)

    public func serializedBytes() -> [UInt8] {
        let arena = CArena()
        var m = Efficientrec__V1__ServerMessage()
        efficientrec__v1__server_message__init(&m)
        m.protocol_version = WireProtocol.version
        switch self {
        case let .recommend(r):
            m.body_case = EFFICIENTREC__V1__SERVER_MESSAGE__BODY_RECOMMEND
            m.recommend = arena.object(r.makeC(arena))
        case let .error(e):
            m.body_case = EFFICIENTREC__V1__SERVER_MESSAGE__BODY_ERROR
            m.error = arena.object(e.makeC(arena))
        case let .status(s):
            m.body_case = EFFICIENTREC__V1__SERVER_MESSAGE__BODY_STATUS
            m.status = arena.object(s.makeC(arena))
        }
        var out = [UInt8](repeating: 0, count: efficientrec__v1__server_message__get_packed_size(&m))
        _ = efficientrec__v1__server_message__pack(&m, &out)
        return out
    }

    public init(serializedBytes bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        guard bytes.count <= limits.maxMessageBytes else {
            throw .tooLarge(field: "message bytes", count: bytes.count, limit: limits.maxMessageBytes)
        }
        let decoded = bytes.withUnsafeBufferPointer { efficientrec__v1__server_message__unpack(nil, $0.count, $0.baseAddress) }
        guard let decoded else { throw .malformed(message: "ServerMessage") }
        defer { efficientrec__v1__server_message__free_unpacked(decoded, nil) }
        let m = decoded.pointee
        guard m.protocol_version == WireProtocol.version else {
            throw .unsupportedProtocol(found: m.protocol_version, supported: WireProtocol.version)
        }
        switch m.body_case {
        case EFFICIENTREC__V1__SERVER_MESSAGE__BODY_RECOMMEND:
            guard let r = m.recommend?.pointee else { throw .missingBody(message: "ServerMessage") }
            self = .recommend(try RecommendResponse(r, limits: limits))
        case EFFICIENTREC__V1__SERVER_MESSAGE__BODY_ERROR:
            guard let e = m.error?.pointee else { throw .missingBody(message: "ServerMessage") }
            self = .error(try ErrorReply(e, limits: limits))
        case EFFICIENTREC__V1__SERVER_MESSAGE__BODY_STATUS:
            guard let s = m.status?.pointee else { throw .missingBody(message: "ServerMessage") }
            self = .status(try StatusResponse(s, limits: limits))
        default:
            throw .missingBody(message: "ServerMessage")
        }
    }
}
