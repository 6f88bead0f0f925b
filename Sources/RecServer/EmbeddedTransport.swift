import RecServing
import RecTransport
import Synchronization

#if canImport(Glibc)
    import RecWire
    import Glibc
#endif

/// An in-memory socket for driving a shell turn by turn in tests, as swift-nio's EmbeddedChannel
/// drives a pipeline: a test queues the messages the shell will read (`deliver`) and reads what it
/// sent (`takeSent`). It can refuse sends as a full ZeroMQ queue does (`acceptsSends`) and fail
/// them as a ROUTER does for a departed peer (`unreachablePeers`).
public final class EmbeddedSocket: MessageSocket {
    public private(set) var inbound: [[[UInt8]]] = []
    public private(set) var sent: [[[UInt8]]] = []
    /// False: `send` drops the message and returns false (a full queue).
    public var acceptsSends = true
    /// Messages whose first frame (the routing ID) names one of these fail as unreachable.
    public var unreachablePeers: Set<[UInt8]> = []
    public private(set) var droppedMessages = 0
    public private(set) var isClosed = false

    public init() {}

    /// Queues a message for the shell to receive.
    public func deliver(_ frames: [[UInt8]]) { inbound.append(frames) }

    /// Everything sent since the last call, oldest first.
    public func takeSent() -> [[[UInt8]]] {
        defer { sent.removeAll() }
        return sent
    }

    public func receive() throws(TransportError) -> [[UInt8]]? {
        guard !isClosed else { throw TransportError(operation: "receive", code: ENOTSOCK, message: "socket closed") }
        return inbound.isEmpty ? nil : inbound.removeFirst()
    }

    @discardableResult
    public func send(_ frames: [[UInt8]]) throws(TransportError) -> Bool {
        guard !isClosed else { throw TransportError(operation: "send", code: ENOTSOCK, message: "socket closed") }
        if let peer = frames.first, unreachablePeers.contains(peer) {
            throw TransportError(operation: "send", code: EHOSTUNREACH, message: "host unreachable")
        }
        guard acceptsSends else {
            droppedMessages += 1
            return false
        }
        sent.append(frames)
        return true
    }

    public var hasInput: Bool { !inbound.isEmpty }

    public func close() { isClosed = true }
}

/// Polls `EmbeddedSocket`s without blocking: when none has input, the time the shell would have
/// waited passes on its `ManualClock` instead, so timers fire exactly when they are due.
public struct EmbeddedPoller: MessagePoller {
    public let clock: ManualClock

    public init(clock: ManualClock) { self.clock = clock }

    public func wait(_ sockets: [any MessageSocket], timeout: Duration) throws(TransportError) -> [Bool] {
        let ready = sockets.map(\.hasInput)
        if !ready.contains(true) && timeout > .zero { clock.advance(by: timeout) }
        return ready
    }
}

/// A clock that moves only when told to.
public final class ManualClock: ServingClock {
    private let instant: Mutex<WallInstant>

    public init(_ start: WallInstant = 1_000_000_000) { instant = Mutex(start) }

    public func now() -> WallInstant { instant.withLock { $0 } }

    public func advance(by duration: Duration) { instant.withLock { $0 = $0 + duration } }
}
