import CZeroMQ
import Foundation
import Synchronization

/// The ZAP handler (ZeroMQ RFC 27) for one context, on its own thread: admits CURVE clients whose
/// public key is listed and refuses the rest, and counts handshake failures reported by the
/// monitors of the guarded sockets (a wrong server key, a plaintext peer). Start it before any
/// CURVE server socket of the context binds; stop it before the context goes.
public final class SecurityGuard: @unchecked Sendable {
    public struct Counts: Equatable, Sendable {
        /// ZAP verdicts: listed keys admitted, unlisted keys refused.
        public var admitted = 0
        public var refused = 0
        /// Handshakes that failed before or after ZAP (wrong keys, plaintext peers, refusals).
        public var handshakeFailures = 0
        public var handshakes = 0
        /// Connections the guarded sockets lost: peers that left, or that libzmq dropped (a frame
        /// over ZMQ_MAXMSGSIZE, a protocol error) — libzmq does not say which.
        public var disconnects = 0
    }

    private let admitted = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)
    private let succeeded = Atomic<Int>(0)
    private let disconnected = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let ready = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let startError = Mutex<TransportError?>(nil)
    private let monitorEndpoints: [String]
    private static let sequence = Atomic<Int>(0)

    /// Starts the handler for `context`, admitting the Z85 public keys in `allowedClients`;
    /// `monitors` inproc endpoints are prepared for `guardSocket` (one per guarded socket).
    public init(context: ZMQContext, allowedClients: Set<String>, monitors: Int = 1) throws(TransportError) {
        let id = Self.sequence.add(1, ordering: .relaxed).newValue
        monitorEndpoints = (0..<monitors).map { "inproc://efficientrec-security-\(id)-\($0)" }
        let endpoints = monitorEndpoints
        let thread = Thread { [self] in self.serve(context: context, allowed: allowedClients, monitorEndpoints: endpoints) }
        thread.name = "zap-handler"
        thread.start()
        ready.wait()
        if let error = startError.withLock({ $0 }) {
            finished.wait()
            throw error
        }
    }

    deinit { stop() }

    public var counts: Counts {
        Counts(
            admitted: admitted.load(ordering: .relaxed), refused: refused.load(ordering: .relaxed),
            handshakeFailures: failures.load(ordering: .relaxed), handshakes: succeeded.load(ordering: .relaxed),
            disconnects: disconnected.load(ordering: .relaxed))
    }

    /// Reports `socket`'s handshakes to this guard (call on the socket's thread, before it binds).
    public func guardSocket(_ socket: ZMQSocket, monitor index: Int = 0) throws(TransportError) {
        guard monitorEndpoints.indices.contains(index) else {
            throw TransportError(operation: "SecurityGuard.guardSocket", code: EINVAL, message: "no monitor \(index) was prepared")
        }
        try socket.monitorHandshakes(on: monitorEndpoints[index])
    }

    /// Stops the handler thread and closes its sockets (idempotent).
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }

    private func serve(context: ZMQContext, allowed: Set<String>, monitorEndpoints: [String]) {
        let zap: ZMQSocket
        var monitors: [ZMQSocket] = []
        do {
            zap = try ZMQSocket(
                context: context, kind: .router,
                options: {
                    var o = ZMQSocket.Options(); o.routerMandatory = false; return o
                }())
            try zap.bind("inproc://zeromq.zap.01")
            for endpoint in monitorEndpoints {
                let pair = try ZMQSocket(context: context, kind: .pair)
                try pair.connect(endpoint)
                monitors.append(pair)
            }
        } catch {
            startError.withLock { $0 = error }
            stopped.store(true, ordering: .releasing)
            ready.signal()
            finished.signal()
            return
        }
        ready.signal()
        let poller = Poller()
        while !stopped.load(ordering: .acquiring) {
            guard let readable = try? poller.wait(sockets: [zap] + monitors, timeoutMilliseconds: 100) else { continue }
            if readable.sockets[0] { while let frames = try? zap.receive() { answer(frames, on: zap, allowed: allowed) } }
            for (k, monitor) in monitors.enumerated() where readable.sockets[k + 1] {
                while let frames = try? monitor.receive() { count(event: frames) }
            }
        }
        for socket in monitors { socket.close() }
        zap.close()
        finished.signal()
    }

    /// [peer, "", version, request id, domain, address, identity, mechanism, credentials…] →
    /// [peer, "", version, request id, status, text, user id, metadata].
    private func answer(_ frames: [[UInt8]], on zap: ZMQSocket, allowed: Set<String>) {
        guard frames.count >= 8 else { return }
        let version = frames[2], requestID = frames[3]
        let domain = String(decoding: frames[4], as: UTF8.self)
        let mechanism = String(decoding: frames[7], as: UTF8.self)
        var admit = false
        if String(decoding: version, as: UTF8.self) == "1.0", domain == ZMQSocket.zapDomain, mechanism == "CURVE", frames.count >= 9,
            let key = CurveKeyPair.z85(frames[8])
        {
            admit = allowed.contains(key)
        }
        if admit { admitted.add(1, ordering: .relaxed) } else { refused.add(1, ordering: .relaxed) }
        let status = admit ? "200" : "400"
        let text = admit ? "OK" : "client key not listed"
        _ = try? zap.send([frames[0], [], version, requestID, Array(status.utf8), Array(text.utf8), [], []])
    }

    /// A monitor event: 2 bytes event id, 4 bytes value (host order), then the endpoint.
    private func count(event frames: [[UInt8]]) {
        guard let first = frames.first, first.count >= 2 else { return }
        let event = Int32(UInt16(first[0]) | UInt16(first[1]) << 8)
        if event == ZMQ_EVENT_DISCONNECTED {
            disconnected.add(1, ordering: .relaxed)
        } else if event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED {
            succeeded.add(1, ordering: .relaxed)
        } else if event & (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0 {
            failures.add(1, ordering: .relaxed)
        }
    }
}
