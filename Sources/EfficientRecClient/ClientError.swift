import RecTransport
import RecWire

/// Why a call of `RecommendationClient` failed; every case that concerns one request names it.
public enum ClientError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The coordinator answered with an error (`code` says which; `.overloaded` is safe to retry).
    case refused(requestID: String, code: ErrorReply.Code, message: String)
    /// No reply came before the call's deadline.
    case timedOut(requestID: String)
    /// The request could not be encoded or is out of range before sending (k, NaN ratings, sizes).
    case invalidRequest(requestID: String, reason: String)
    /// The coordinator's reply was not the kind the request asks for.
    case unexpectedReply(requestID: String)
    /// The client is closed.
    case closed
    /// ZeroMQ failed (a bad endpoint, CURVE keys, the socket).
    case transport(TransportError)

    /// The request the error belongs to (empty for `closed` and `transport`).
    public var requestID: String {
        switch self {
        case let .refused(id, _, _), let .timedOut(id), let .invalidRequest(id, _), let .unexpectedReply(id): return id
        case .closed, .transport: return ""
        }
    }

    public var description: String {
        switch self {
        case let .refused(id, code, message): return "request \(id): \(code): \(message)"
        case let .timedOut(id): return "request \(id): no reply before the deadline"
        case let .invalidRequest(id, reason): return "request \(id): \(reason)"
        case let .unexpectedReply(id): return "request \(id): the reply is not of the kind asked for"
        case .closed: return "the client is closed"
        case let .transport(e): return e.description
        }
    }
}
