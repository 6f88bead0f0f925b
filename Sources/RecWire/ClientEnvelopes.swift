import CProtobufC
import CRecProtocol

/// What a client sends to the coordinator (one ZeroMQ frame).
public enum ClientMessage: Equatable, Sendable {
    case recommend(RecommendRequest)
    case status(StatusRequest)
    /// Back to the previous model version (the request ID is all it carries).
    case rollback(StatusRequest)
    /// Items withdrawn from every answer now (an admin action).
    case blockItems(BlockItemsRequest)

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
        case let .rollback(r):
            var c = Efficientrec__V1__RollbackRequest()
            efficientrec__v1__rollback_request__init(&c)
            c.request_id = arena.string(r.requestID)
            m.body_case = EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_ROLLBACK
            m.rollback = arena.object(c)
        case let .blockItems(b):
            m.body_case = EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_BLOCK_ITEMS
            m.block_items = arena.object(b.makeC(arena))
        }
        return CEnvelope.encode(
            &m, size: { efficientrec__v1__client_message__get_packed_size($0) },
            pack: { efficientrec__v1__client_message__pack($0, $1) })
    }

    public init(serializedBytes bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        // A canonical recommendation request is read in Swift; everything else (and every error)
        // by protobuf-c.
        if let request = RecommendRequestCodec.decode(bytes, limits: limits) {
            self = .recommend(request)
            return
        }
        self = try Self(protobufC: bytes, limits: limits)
    }

    /// Decoded by protobuf-c only (the general path, and the reference for `RecommendRequestCodec`).
    init(protobufC bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        self = try CEnvelope.decode(
            bytes, limits: limits, name: "ClientMessage", strings: EmbeddedNULCheck.clientMessage,
            repeated: RepeatedFieldLimits.clientMessage,
            unpack: { efficientrec__v1__client_message__unpack($0, $1, $2) },
            free: { efficientrec__v1__client_message__free_unpacked($0, $1) },
            protocolVersion: { $0.protocol_version }
        ) { (m) throws(WireError) -> ClientMessage in
            try Self.body(of: m, limits: limits)
        }
    }

    private static func body(of m: Efficientrec__V1__ClientMessage, limits: WireLimits) throws(WireError) -> ClientMessage {
        switch m.body_case {
        case EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_RECOMMEND:
            guard let r = m.recommend?.pointee else { throw .missingBody(message: "ClientMessage") }
            return .recommend(try RecommendRequest(r, limits: limits))
        case EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_STATUS:
            guard let s = m.status?.pointee else { throw .missingBody(message: "ClientMessage") }
            return .status(try StatusRequest(s, limits: limits))
        case EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_ROLLBACK:
            guard let r = m.rollback?.pointee else { throw .missingBody(message: "ClientMessage") }
            return .rollback(StatusRequest(requestID: try CRead.text(r.request_id, field: "request_id", limits: limits)))
        case EFFICIENTREC__V1__CLIENT_MESSAGE__BODY_BLOCK_ITEMS:
            guard let b = m.block_items?.pointee else { throw .missingBody(message: "ClientMessage") }
            return .blockItems(try BlockItemsRequest(b, limits: limits))
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

    /// The ID of the request this answers.
    public var requestID: String {
        switch self {
        case let .recommend(r): return r.requestID
        case let .error(e): return e.requestID
        case let .status(s): return s.requestID
        }
    }

    public func serializedBytes() -> [UInt8] {
        // Every answer takes this path: written without protobuf-c when it can be (same bytes).
        if case let .recommend(r) = self, let bytes = RecommendResponseCodec.encode(r) { return bytes }
        return protobufCBytes()
    }

    /// The bytes as protobuf-c writes them (what `RecommendResponseCodec` is tested against).
    func protobufCBytes() -> [UInt8] {
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
        return CEnvelope.encode(
            &m, size: { efficientrec__v1__server_message__get_packed_size($0) },
            pack: { efficientrec__v1__server_message__pack($0, $1) })
    }

    public init(serializedBytes bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        self = try CEnvelope.decode(
            bytes, limits: limits, name: "ServerMessage", strings: EmbeddedNULCheck.serverMessage,
            unpack: { efficientrec__v1__server_message__unpack($0, $1, $2) },
            free: { efficientrec__v1__server_message__free_unpacked($0, $1) },
            protocolVersion: { $0.protocol_version }
        ) { (m) throws(WireError) -> ServerMessage in
            try Self.body(of: m, limits: limits)
        }
    }

    private static func body(of m: Efficientrec__V1__ServerMessage, limits: WireLimits) throws(WireError) -> ServerMessage {
        switch m.body_case {
        case EFFICIENTREC__V1__SERVER_MESSAGE__BODY_RECOMMEND:
            guard let r = m.recommend?.pointee else { throw .missingBody(message: "ServerMessage") }
            return .recommend(try RecommendResponse(r, limits: limits))
        case EFFICIENTREC__V1__SERVER_MESSAGE__BODY_ERROR:
            guard let e = m.error?.pointee else { throw .missingBody(message: "ServerMessage") }
            return .error(try ErrorReply(e, limits: limits))
        case EFFICIENTREC__V1__SERVER_MESSAGE__BODY_STATUS:
            guard let s = m.status?.pointee else { throw .missingBody(message: "ServerMessage") }
            return .status(try StatusResponse(s, limits: limits))
        default:
            throw .missingBody(message: "ServerMessage")
        }
    }
}
