import RecServing
import RecTransport

#if canImport(Glibc)
    import RecWire
    import Glibc
#endif

/// A socket as the shells use it: whole multipart messages in and out, never blocking. ZeroMQ
/// sockets serve in production (`ZMQSocket`), `EmbeddedSocket` in the shells' unit tests.
public protocol MessageSocket: AnyObject {
    /// The next message waiting, or nil when none is.
    func receive() throws(TransportError) -> [[UInt8]]?
    /// Queues a message. False when the peer's queue is full and the message was dropped; throws
    /// when the peer is gone (`TransportError.isHostUnreachable`) or the socket failed.
    @discardableResult func send(_ frames: [[UInt8]]) throws(TransportError) -> Bool
    /// A message is waiting.
    var hasInput: Bool { get }
    func close()
}

/// Waits until one of the sockets has a message or the timeout passes.
public protocol MessagePoller {
    /// Per socket, whether a message is waiting.
    func wait(_ sockets: [any MessageSocket], timeout: Duration) throws(TransportError) -> [Bool]
}

/// The time, for a shell: the system's wall clock in production, `ManualClock` in tests.
public protocol ServingClock: Sendable {
    func now() -> WallInstant
}

extension ZMQSocket: MessageSocket {}

/// zmq_poll over `ZMQSocket`s.
public struct ZMQPoller: MessagePoller {
    public init() {}

    public func wait(_ sockets: [any MessageSocket], timeout: Duration) throws(TransportError) -> [Bool] {
        var zmqSockets: [ZMQSocket] = []
        zmqSockets.reserveCapacity(sockets.count)
        for socket in sockets {
            guard let s = socket as? ZMQSocket else {
                throw TransportError(operation: "zmq_poll", code: EINVAL, message: "not a ZeroMQ socket: \(type(of: socket))")
            }
            zmqSockets.append(s)
        }
        let milliseconds = Int(clamping: timeout.roundedUpMilliseconds)
        return try Poller().wait(sockets: zmqSockets, timeoutMilliseconds: milliseconds).sockets
    }
}
