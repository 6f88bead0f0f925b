import CZeroMQ

/// One ZeroMQ socket. Not thread-safe: each socket is owned by exactly one thread (the I/O loop
/// that created it), as libzmq requires.
public final class ZMQSocket {
    public enum Kind: Sendable {
        case router, dealer
        /// Only for inproc side channels (socket monitors).
        case pair
        var raw: Int32 {
            switch self {
            case .router: return ZMQ_ROUTER
            case .dealer: return ZMQ_DEALER
            case .pair: return ZMQ_PAIR
            }
        }
    }

    public struct Options: Sendable {
        /// Milliseconds a closing socket keeps trying to deliver queued messages.
        public var lingerMilliseconds: Int32 = 100
        public var sendHighWaterMark: Int32 = 10_000
        public var receiveHighWaterMark: Int32 = 10_000
        /// ROUTER: fail a send to an unknown peer instead of dropping it silently.
        public var routerMandatory = true
        /// DEALER: queue only on completed connections.
        public var immediate = false
        /// DEALER: a fixed routing identity (empty: libzmq assigns one).
        public var routingID: [UInt8] = []
        /// CURVE: this socket's role, if any (set before bind/connect).
        public var curve: CurveRole?
        /// ZMQ_MAXMSGSIZE: libzmq disconnects a peer that sends a larger frame, before buffering
        /// it (−1: no limit). Servers set it from their wire limits.
        public var maxMessageBytes: Int64 = -1
        public init() {}
    }

    /// CURVE security for one socket.
    public enum CurveRole: Sendable, Equatable {
        /// The binding side: proves it holds `keys.secretKey`; clients are vetted by the context's
        /// ZAP handler (`SecurityGuard`) under the domain `zapDomain`.
        case server(keys: CurveKeyPair)
        /// The connecting side: presents `keys` and trusts only `serverKey`.
        case client(keys: CurveKeyPair, serverKey: String)
    }

    /// The ZAP domain of every CURVE server socket (enforced, so a missing handler fails closed).
    public static let zapDomain = "efficientrec"

    public let kind: Kind
    let handle: UnsafeMutableRawPointer
    private let context: ZMQContext
    private var closed = false
    /// Messages not sent because the high-water mark was reached (non-blocking sends).
    public private(set) var droppedMessages = 0

    public init(context: ZMQContext, kind: Kind, options: Options = Options()) throws(TransportError) {
        guard let h = zmq_socket(context.handle, kind.raw) else { throw .last("zmq_socket") }
        self.context = context
        self.kind = kind
        handle = h
        try set(ZMQ_LINGER, options.lingerMilliseconds, "ZMQ_LINGER")
        try set(ZMQ_SNDHWM, options.sendHighWaterMark, "ZMQ_SNDHWM")
        try set(ZMQ_RCVHWM, options.receiveHighWaterMark, "ZMQ_RCVHWM")
        if options.maxMessageBytes >= 0 {
            var limit = options.maxMessageBytes
            if zmq_setsockopt(h, ZMQ_MAXMSGSIZE, &limit, MemoryLayout<Int64>.size) != 0 { throw .last("zmq_setsockopt(ZMQ_MAXMSGSIZE)") }
        }
        if kind == .router && options.routerMandatory { try set(ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY") }
        if kind == .dealer && options.immediate { try set(ZMQ_IMMEDIATE, 1, "ZMQ_IMMEDIATE") }
        switch options.curve {
        case let .server(keys)?:
            try set(ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER")
            try setText(ZMQ_CURVE_SECRETKEY, keys.secretKey, "ZMQ_CURVE_SECRETKEY")
            try setText(ZMQ_ZAP_DOMAIN, Self.zapDomain, "ZMQ_ZAP_DOMAIN")
            try set(ZMQ_ZAP_ENFORCE_DOMAIN, 1, "ZMQ_ZAP_ENFORCE_DOMAIN")
        case let .client(keys, serverKey)?:
            try setText(ZMQ_CURVE_SERVERKEY, serverKey, "ZMQ_CURVE_SERVERKEY")
            try setText(ZMQ_CURVE_PUBLICKEY, keys.publicKey, "ZMQ_CURVE_PUBLICKEY")
            try setText(ZMQ_CURVE_SECRETKEY, keys.secretKey, "ZMQ_CURVE_SECRETKEY")
        case nil:
            break
        }
        if !options.routingID.isEmpty {
            let rc = options.routingID.withUnsafeBytes { zmq_setsockopt(h, ZMQ_ROUTING_ID, $0.baseAddress, $0.count) }
            if rc != 0 { throw .last("zmq_setsockopt(ZMQ_ROUTING_ID)") }
        }
    }

    deinit { close() }

    private func set(_ option: Int32, _ value: Int32, _ name: String) throws(TransportError) {
        var v = value
        if zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size) != 0 { throw .last("zmq_setsockopt(\(name))") }
    }

    private func setText(_ option: Int32, _ value: String, _ name: String) throws(TransportError) {
        let bytes = Array(value.utf8)
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        if rc != 0 { throw .last("zmq_setsockopt(\(name))") }
    }

    /// Publishes this socket's handshake events on `endpoint` (an inproc PAIR; see `SecurityGuard`).
    public func monitorHandshakes(on endpoint: String) throws(TransportError) {
        let events =
            ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED
        try monitor(on: endpoint, events: events)
    }

    /// Publishes this socket's `events` (ZMQ_EVENT_… bits) on `endpoint` (an inproc PAIR). A socket
    /// has one monitor: a second call replaces the first.
    public func monitor(on endpoint: String, events: Int32) throws(TransportError) {
        if zmq_socket_monitor(handle, endpoint, events) != 0 { throw .last("zmq_socket_monitor(\(endpoint))") }
    }

    public func bind(_ endpoint: String) throws(TransportError) {
        if zmq_bind(handle, endpoint) != 0 { throw .last("zmq_bind(\(endpoint))") }
    }

    public func connect(_ endpoint: String) throws(TransportError) {
        if zmq_connect(handle, endpoint) != 0 { throw .last("zmq_connect(\(endpoint))") }
    }

    public func disconnect(_ endpoint: String) throws(TransportError) {
        if zmq_disconnect(handle, endpoint) != 0 { throw .last("zmq_disconnect(\(endpoint))") }
    }

    /// The endpoint actually bound (resolves `tcp://127.0.0.1:*` to a port).
    public func lastEndpoint() throws(TransportError) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        if zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 { throw .last("zmq_getsockopt(ZMQ_LAST_ENDPOINT)") }
        return String(cString: buffer)
    }

    /// Sends a multipart message without blocking. Returns false (and counts a drop) when the
    /// high-water mark is reached; throws for other failures (e.g. an unreachable ROUTER peer).
    @discardableResult
    public func send(_ frames: [[UInt8]]) throws(TransportError) -> Bool {
        for (k, frame) in frames.enumerated() {
            let flags = ZMQ_DONTWAIT | (k < frames.count - 1 ? ZMQ_SNDMORE : 0)
            let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if rc < 0 {
                let e = TransportError.last("zmq_send")
                if e.wouldBlock && k == 0 { droppedMessages += 1; return false }
                throw e
            }
        }
        return true
    }

    /// Receives one multipart message, or nil when none is waiting.
    public func receive() throws(TransportError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            let rc = zmq_msg_recv(&message, handle, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                let e = TransportError.last("zmq_msg_recv")
                if e.wouldBlock && frames.isEmpty { return nil }
                throw e
            }
            let size = zmq_msg_size(&message)
            let data = zmq_msg_data(&message)
            frames.append(size == 0 ? [] : Array(UnsafeRawBufferPointer(start: data, count: size)))
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// A message is waiting to be received (ZMQ_EVENTS has POLLIN).
    public var hasInput: Bool {
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, ZMQ_EVENTS, &events, &size) == 0 else { return false }
        return events & Int32(ZMQ_POLLIN) != 0
    }

    public func close() {
        guard !closed else { return }
        closed = true
        zmq_close(handle)
    }
}
