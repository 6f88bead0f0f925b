import CProtobufC
import CRecProtocol

/// What the coordinator sends a shard worker.
public enum CoordinatorMessage: Equatable, Sendable {
    case query(ShardQuery)
    case heartbeat(Heartbeat)

    public func serializedBytes() -> [UInt8] {
        // The query goes to every shard for every request: written without protobuf-c (same bytes).
        if case let .query(q) = self { return ShardQueryCodec.encode(q) }
        return protobufCBytes()
    }

    /// The bytes as protobuf-c writes them (what `ShardQueryCodec` is tested against).
    func protobufCBytes() -> [UInt8] {
        let arena = CArena()
        var m = Efficientrec__V1__CoordinatorMessage()
        efficientrec__v1__coordinator_message__init(&m)
        m.protocol_version = WireProtocol.version
        switch self {
        case let .query(q):
            m.body_case = EFFICIENTREC__V1__COORDINATOR_MESSAGE__BODY_QUERY
            m.query = arena.object(q.makeC(arena))
        case let .heartbeat(h):
            m.body_case = EFFICIENTREC__V1__COORDINATOR_MESSAGE__BODY_HEARTBEAT
            m.heartbeat = arena.object(h.makeC(arena))
        }
        return CEnvelope.encode(
            &m, size: { efficientrec__v1__coordinator_message__get_packed_size($0) },
            pack: { efficientrec__v1__coordinator_message__pack($0, $1) })
    }

    public init(serializedBytes bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        // A canonical query is read in Swift; everything else (and every error) by protobuf-c.
        if let query = ShardQueryCodec.decode(bytes, limits: limits) {
            self = .query(query)
            return
        }
        self = try Self(protobufC: bytes, limits: limits)
    }

    /// Decoded by protobuf-c only (the general path, and the reference for `ShardQueryCodec`).
    init(protobufC bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        self = try CEnvelope.decode(
            bytes, limits: limits, name: "CoordinatorMessage", strings: EmbeddedNULCheck.coordinatorMessage,
            repeated: RepeatedFieldLimits.coordinatorMessage,
            unpack: { efficientrec__v1__coordinator_message__unpack($0, $1, $2) },
            free: { efficientrec__v1__coordinator_message__free_unpacked($0, $1) },
            protocolVersion: { $0.protocol_version }
        ) { (m) throws(WireError) -> CoordinatorMessage in
            try Self.body(of: m, limits: limits)
        }
    }

    private static func body(of m: Efficientrec__V1__CoordinatorMessage, limits: WireLimits) throws(WireError) -> CoordinatorMessage {
        switch m.body_case {
        case EFFICIENTREC__V1__COORDINATOR_MESSAGE__BODY_QUERY:
            guard let q = m.query?.pointee else { throw .missingBody(message: "CoordinatorMessage") }
            return .query(try ShardQuery(q, limits: limits))
        case EFFICIENTREC__V1__COORDINATOR_MESSAGE__BODY_HEARTBEAT:
            guard let h = m.heartbeat?.pointee else { throw .missingBody(message: "CoordinatorMessage") }
            return .heartbeat(try Heartbeat(h, limits: limits))
        default:
            throw .missingBody(message: "CoordinatorMessage")
        }
    }
}

/// What a shard worker sends the coordinator.
public enum WorkerMessage: Equatable, Sendable {
    case reply(ShardReply)
    case error(ErrorReply)
    case heartbeat(Heartbeat)

    public func serializedBytes() -> [UInt8] {
        // The reply is the hot path's largest frame: written without protobuf-c (same bytes).
        if case let .reply(r) = self { return ShardReplyCodec.encode(r) }
        return protobufCBytes()
    }

    /// The bytes as protobuf-c writes them (what `ShardReplyCodec` is tested against).
    func protobufCBytes() -> [UInt8] {
        let arena = CArena()
        var m = Efficientrec__V1__WorkerMessage()
        efficientrec__v1__worker_message__init(&m)
        m.protocol_version = WireProtocol.version
        switch self {
        case let .reply(r):
            m.body_case = EFFICIENTREC__V1__WORKER_MESSAGE__BODY_REPLY
            m.reply = arena.object(r.makeC(arena))
        case let .error(e):
            m.body_case = EFFICIENTREC__V1__WORKER_MESSAGE__BODY_ERROR
            m.error = arena.object(e.makeC(arena))
        case let .heartbeat(h):
            m.body_case = EFFICIENTREC__V1__WORKER_MESSAGE__BODY_HEARTBEAT
            m.heartbeat = arena.object(h.makeC(arena))
        }
        return CEnvelope.encode(
            &m, size: { efficientrec__v1__worker_message__get_packed_size($0) },
            pack: { efficientrec__v1__worker_message__pack($0, $1) })
    }

    public init(serializedBytes bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        // A canonical reply is read in Swift; everything else (and every error) by protobuf-c.
        if let reply = ShardReplyCodec.decode(bytes, limits: limits) {
            self = .reply(reply)
            return
        }
        self = try Self(protobufC: bytes, limits: limits)
    }

    /// Decoded by protobuf-c only (the general path, and the reference for `ShardReplyCodec`).
    init(protobufC bytes: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        self = try CEnvelope.decode(
            bytes, limits: limits, name: "WorkerMessage", strings: EmbeddedNULCheck.workerMessage,
            repeated: RepeatedFieldLimits.workerMessage,
            unpack: { efficientrec__v1__worker_message__unpack($0, $1, $2) },
            free: { efficientrec__v1__worker_message__free_unpacked($0, $1) },
            protocolVersion: { $0.protocol_version }
        ) { (m) throws(WireError) -> WorkerMessage in
            try Self.body(of: m, limits: limits)
        }
    }

    private static func body(of m: Efficientrec__V1__WorkerMessage, limits: WireLimits) throws(WireError) -> WorkerMessage {
        switch m.body_case {
        case EFFICIENTREC__V1__WORKER_MESSAGE__BODY_REPLY:
            guard let r = m.reply?.pointee else { throw .missingBody(message: "WorkerMessage") }
            return .reply(try ShardReply(r, limits: limits))
        case EFFICIENTREC__V1__WORKER_MESSAGE__BODY_ERROR:
            guard let e = m.error?.pointee else { throw .missingBody(message: "WorkerMessage") }
            return .error(try ErrorReply(e, limits: limits))
        case EFFICIENTREC__V1__WORKER_MESSAGE__BODY_HEARTBEAT:
            guard let h = m.heartbeat?.pointee else { throw .missingBody(message: "WorkerMessage") }
            return .heartbeat(try Heartbeat(h, limits: limits))
        default:
            throw .missingBody(message: "WorkerMessage")
        }
    }
}
