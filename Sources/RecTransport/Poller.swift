import CZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// zmq_poll over sockets and plain file descriptors (for wake-ups from other threads).
public struct Poller {
    public init() {}

    /// Waits up to `timeoutMilliseconds` (-1: forever); returns readability of each socket and fd.
    public func wait(sockets: [ZMQSocket], descriptors: [Int32] = [], timeoutMilliseconds: Int) throws(TransportError)
        -> (sockets: [Bool], descriptors: [Bool])
    {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        items += descriptors.map { zmq_pollitem_t(socket: nil, fd: $0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let rc = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
        if rc < 0 {
            let e = TransportError.last("zmq_poll")
            if e.code == EINTR { return (sockets.map { _ in false }, descriptors.map { _ in false }) }
            throw e
        }
        let ready = items.map { ($0.revents & Int16(ZMQ_POLLIN)) != 0 }
        return (Array(ready[0..<sockets.count]), Array(ready[sockets.count...]))
    }
}

/// A self-pipe that other threads signal to wake an I/O loop blocked in `Poller.wait`.
public final class Wakeup: @unchecked Sendable {
    /// The read end, to poll.
    public let descriptor: Int32
    private let writeEnd: Int32

    public init() throws(TransportError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw TransportError(operation: "pipe", code: errno, message: String(cString: strerror(errno)))
        }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        descriptor = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        Glibc.close(descriptor)
        Glibc.close(writeEnd)
    }

    public func signal() {
        var one: UInt8 = 1
        _ = write(writeEnd, &one, 1)  // a full pipe already means "wake up"
    }

    /// Clears pending signals (call when the descriptor polls readable).
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(descriptor, &buffer, buffer.count) > 0 {}
    }
}
