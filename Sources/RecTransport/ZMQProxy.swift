import CZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// libzmq's built-in proxy (`zmq_proxy_steerable`) between two sockets: every message read on one
/// is written to the other, in C, on the thread that calls `run`. A coordinator with several poll
/// loops uses it to spread the clients' frames over them: a ROUTER facing the clients, a DEALER
/// over `inproc://` facing the loops (each loop's DEALER sees `[client routing, request…]`, and its
/// replies find their way back by the same routing frame). `terminate` stops it from any thread.
public final class ZMQProxy: @unchecked Sendable {
    private let context: ZMQContext
    private let frontend: ZMQSocket
    private let backend: ZMQSocket
    private let control: ZMQSocket
    /// Where `terminate` sends the proxy its command.
    public let controlEndpoint: String

    /// The sockets are used by the thread that calls `run` from then on (create them, then hand
    /// them over; starting a thread is a full memory fence).
    public init(context: ZMQContext, frontend: ZMQSocket, backend: ZMQSocket, name: String) throws(TransportError) {
        self.context = context
        self.frontend = frontend
        self.backend = backend
        controlEndpoint = "inproc://proxy-control-\(name)"
        control = try ZMQSocket(context: context, kind: .pair)
        try control.bind(controlEndpoint)
    }

    /// Forwards until `terminate` is called; then closes its three sockets.
    public func run() throws(TransportError) {
        defer {
            control.close()
            frontend.close()
            backend.close()
        }
        let rc = zmq_proxy_steerable(frontend.handle, backend.handle, nil, control.handle)
        // 0 after TERMINATE; -1 with ETERM when the context is being shut down.
        if rc != 0 {
            let e = TransportError.last("zmq_proxy_steerable")
            if !e.contextTerminated { throw e }
        }
    }

    /// Asks the proxy to stop (from any thread other than the one running it).
    public func terminate() throws(TransportError) {
        let socket = try ZMQSocket(context: context, kind: .pair)
        defer { socket.close() }
        try socket.connect(controlEndpoint)
        let command = Array("TERMINATE".utf8)
        // The proxy reads its control socket on every turn, so a blocked send cannot last.
        var sent = false
        for _ in 0..<1_000 where !sent {
            sent = try socket.send([command])
            if !sent { usleepMillisecond() }
        }
        // Never return as if it stopped: the caller then waits for the proxy's thread.
        guard sent else { throw TransportError(operation: "zmq_proxy TERMINATE", code: EAGAIN, message: "the proxy took no command for 1 s") }
    }
}

private func usleepMillisecond() {
    var request = timespec(tv_sec: 0, tv_nsec: 1_000_000)
    _ = nanosleep(&request, nil)
}
