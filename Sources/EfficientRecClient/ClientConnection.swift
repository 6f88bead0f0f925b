import Foundation
import RecTransport
import RecWire
import Synchronization

/// One DEALER socket to the coordinator(s), owned by an I/O thread of its own: callers on any
/// thread or task hand it messages and wait for the replies with their request IDs; replies are
/// matched by request ID (stale and unknown ones are dropped), and a call whose deadline passes is
/// answered with `timedOut`. Many calls share the connection at once.
final class ClientConnection: Sendable {
    private struct Waiter {
        var ids: [String]
        var replies: [String: ServerMessage] = [:]
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<[String: ServerMessage], any Error>
    }

    private struct State {
        var outgoing: [[[UInt8]]] = []
        var waiters: [Int: Waiter] = [:]
        /// Which waiter a request ID belongs to.
        var owner: [String: Int] = [:]
        var nextWaiter = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let wakeup: Wakeup
    private let finished = DispatchSemaphore(value: 0)

    init(endpoints: [String], curve: CurveSettings?) throws(TransportError) {
        let context = try ZMQContext()
        let socket = try ZMQSocket(
            context: context, kind: .dealer,
            options: try .client(curve: curve))
        for endpoint in endpoints { try socket.connect(endpoint) }
        wakeup = try Wakeup()
        let box = SocketBox(context: context, socket: socket)
        let thread = Thread { [self] in
            ioLoop(box.socket)
            box.socket.close()
            finished.signal()
        }
        thread.name = "efficientrec-client"
        thread.start()
    }

    /// Sends `frames` as one message (one frame per request, `ids` in order) and returns the
    /// replies by request ID once all have come, or throws `timedOut` for the first one missing.
    func exchange(_ frames: [[UInt8]], ids: [String], timeout: Duration) async throws -> [String: ServerMessage] {
        let deadline = ContinuousClock.now + timeout
        return try await withCheckedThrowingContinuation { continuation in
            let refused: ClientError? = state.withLock { s in
                if s.closed { return .closed }
                if let taken = ids.first(where: { s.owner[$0] != nil }) {
                    return .invalidRequest(requestID: taken, reason: "a request with this ID is already in flight on this client")
                }
                let key = s.nextWaiter
                s.nextWaiter += 1
                s.waiters[key] = Waiter(ids: ids, deadline: deadline, continuation: continuation)
                for id in ids { s.owner[id] = key }
                s.outgoing.append(frames)
                return nil
            }
            if let refused { continuation.resume(throwing: refused) } else { wakeup.signal() }
        }
    }

    /// Stops the I/O thread; calls still waiting get `closed`.
    func close() {
        let first = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        guard first else { return }
        wakeup.signal()
        finished.wait()
    }

    private func ioLoop(_ socket: ZMQSocket) {
        let poller = Poller()
        // Messages not yet taken by ZeroMQ (no peer connected yet, or its queue full): retried on
        // every turn until their calls end.
        var pending: [[[UInt8]]] = []
        while true {
            let (outgoing, closed, nextDeadline) = state.withLock { s in
                defer { s.outgoing.removeAll() }
                return (s.outgoing, s.closed, s.waiters.values.map(\.deadline).min())
            }
            if closed { return finishAll(with: ClientError.closed) }
            pending += outgoing
            pending = sendInOrder(pending, on: socket)
            let wait = nextDeadline.map { max(.zero, min(.milliseconds(50), $0 - ContinuousClock.now)) } ?? .milliseconds(50)
            let milliseconds = Int((wait.components.seconds * 1_000) + wait.components.attoseconds / 1_000_000_000_000_000) + 1
            do {
                let ready = try poller.wait(sockets: [socket], descriptors: [wakeup.descriptor], timeoutMilliseconds: milliseconds)
                if ready.descriptors[0] { wakeup.drain() }
                while let frames = try socket.receive() { deliver(frames) }
            } catch {
                return finishAll(with: ClientError.transport(error))
            }
            expire(now: ContinuousClock.now)
        }
    }

    /// Sends what it can, oldest first; returns what ZeroMQ would not take yet, without the
    /// messages whose calls have ended. A transport error fails the calls of its message.
    private func sendInOrder(_ messages: [[[UInt8]]], on socket: ZMQSocket) -> [[[UInt8]]] {
        let live = messages.filter { frames in
            let ids = frames.compactMap { ClientMessage.peekRequestID($0) }
            return state.withLock { s in ids.contains { s.owner[$0] != nil } }
        }
        for (n, frames) in live.enumerated() {
            do {
                if try !socket.send(frames) { return Array(live[n...]) }
            } catch {
                fail(frames, with: { _ in .transport(error) })
            }
        }
        return []
    }

    private func fail(_ frames: [[UInt8]], with error: (String) -> ClientError) {
        let ids = frames.compactMap { ClientMessage.peekRequestID($0) }
        state.withLock { s in
            for id in ids { if let key = s.owner[id] { resume(key, throwing: error(id), in: &s) } }
        }
    }

    private func deliver(_ frames: [[UInt8]]) {
        let replies = frames.filter { !$0.isEmpty }.compactMap { try? ServerMessage(serializedBytes: $0) }
        state.withLock { s in
            for reply in replies {
                guard let key = s.owner[reply.requestID], var waiter = s.waiters[key] else { continue }
                waiter.replies[reply.requestID] = reply
                s.owner[reply.requestID] = nil
                if waiter.replies.count == waiter.ids.count {
                    s.waiters[key] = nil
                    waiter.continuation.resume(returning: waiter.replies)
                } else {
                    s.waiters[key] = waiter
                }
            }
        }
    }

    private func expire(now: ContinuousClock.Instant) {
        state.withLock { s in
            for (key, waiter) in s.waiters where waiter.deadline <= now {
                let missing = waiter.ids.first { waiter.replies[$0] == nil } ?? ""
                resume(key, throwing: .timedOut(requestID: missing), in: &s)
            }
        }
    }

    private func resume(_ key: Int, throwing error: ClientError, in s: inout State) {
        guard let waiter = s.waiters.removeValue(forKey: key) else { return }
        for id in waiter.ids where s.owner[id] == key { s.owner[id] = nil }
        waiter.continuation.resume(throwing: error)
    }

    private func finishAll(with error: ClientError) {
        state.withLock { s in
            s.closed = true
            for key in Array(s.waiters.keys) { resume(key, throwing: error, in: &s) }
        }
    }
}

/// The socket, handed from the creating thread to the I/O thread that alone uses it from then on.
private final class SocketBox: @unchecked Sendable {
    let context: ZMQContext
    let socket: ZMQSocket
    init(context: ZMQContext, socket: ZMQSocket) {
        self.context = context
        self.socket = socket
    }
}
