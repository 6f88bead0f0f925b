import CZeroMQ

/// A failed ZeroMQ call, with libzmq's errno and message.
public struct TransportError: Error, Equatable, CustomStringConvertible, Sendable {
    public var operation: String
    public var code: Int32
    public var message: String

    public init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    static func last(_ operation: String) -> TransportError {
        let code = zmq_errno()
        return TransportError(operation: operation, code: code, message: String(cString: zmq_strerror(code)))
    }

    public var description: String { "\(operation) failed: \(message) (errno \(code))" }

    /// The peer is unknown or gone (ROUTER_MANDATORY) — the message was not sent.
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }
    /// The high-water mark was reached and a non-blocking send would block — the message was dropped.
    public var wouldBlock: Bool { code == EAGAIN }
    /// The context is being shut down (a blocking call was interrupted for good).
    public var contextTerminated: Bool { code == ETERM }
}
