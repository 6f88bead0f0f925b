import CZeroMQ

/// Counts the connections a socket loses (ZMQ_EVENT_DISCONNECTED from a socket monitor): peers that
/// left, and peers libzmq dropped for a frame over ZMQ_MAXMSGSIZE or a protocol error — libzmq does
/// not say which. For sockets without a `SecurityGuard` (which counts them itself). Owned by the
/// thread that owns the socket; `drain` reads the events that arrived, without blocking.
public final class DisconnectCounter {
    private let pair: ZMQSocket
    public private(set) var total = 0

    public init(context: ZMQContext, watching socket: ZMQSocket, name: String) throws(TransportError) {
        let endpoint = "inproc://efficientrec-disconnects-\(name)"
        try socket.monitor(on: endpoint, events: ZMQ_EVENT_DISCONNECTED)
        pair = try ZMQSocket(context: context, kind: .pair)
        try pair.connect(endpoint)
    }

    /// Reads the events waiting; returns the running total.
    @discardableResult
    public func drain() -> Int {
        while let frames = try? pair.receive() {
            guard let first = frames.first, first.count >= 2 else { continue }
            if Int32(UInt16(first[0]) | UInt16(first[1]) << 8) == ZMQ_EVENT_DISCONNECTED { total += 1 }
        }
        return total
    }

    public func close() { pair.close() }
}
