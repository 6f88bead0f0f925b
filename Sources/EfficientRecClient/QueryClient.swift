import Foundation
import RecTransport
import RecWire

/// A blocking client of the coordinator for bulk jobs and tests: one DEALER socket, requests
/// pipelined up to a window, replies matched by request ID; `exchangePaced` retries what the
/// coordinator refuses as overloaded (`RequestPacer`). `efficientrec query --histories`, `bench`,
/// `rollback` and `block` use it; `RecommendationClient` is the async API for services.
public final class QueryClient {
    private let context: ZMQContext
    private let socket: ZMQSocket

    /// With `security`, the coordinator must prove it holds `security.serverKey`, and this client
    /// presents `security.keys`.
    public init(coordinator: String, security: CurveSettings? = nil) throws(TransportError) {
        context = try ZMQContext()
        socket = try ZMQSocket(
            context: context, kind: .dealer,
            options: try .client(curve: security))
        // Several coordinators, comma-separated: the DEALER spreads requests over them.
        for endpoint in coordinator.split(separator: ",") { try socket.connect(String(endpoint)) }
    }

    public enum Failure: Error, CustomStringConvertible {
        case timedOut(pending: Int)
        case transport(TransportError)
        public var description: String {
            switch self {
            case let .timedOut(n): return "no reply from the coordinator for \(n) request(s) before the timeout"
            case let .transport(e): return e.description
            }
        }
    }

    /// Sends every message (at most `window` outstanding) and returns the replies keyed by request ID.
    public func exchange(
        _ messages: [(id: String, bytes: [UInt8])], window: Int = 64, batchSize: Int = 1,
        timeoutSeconds: Double = 30
    ) throws(Failure) -> [String: ServerMessage] {
        var replies: [String: ServerMessage] = [:]
        var next = 0, outstanding = 0
        let batch = max(1, batchSize)
        let window = max(window, batch)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        let poller = Poller()
        do {
            while replies.count < messages.count {
                // Up to `batch` requests per ZeroMQ message: the coordinator answers a message of
                // several requests with one message of their replies, in order.
                while outstanding < window && next < messages.count {
                    let end = min(messages.count, next + batch, next + window - outstanding)
                    if try socket.send(messages[next..<end].map(\.bytes)) { outstanding += end - next; next = end } else { break }
                }
                guard Date() < deadline else { throw Failure.timedOut(pending: messages.count - replies.count) }
                _ = try poller.wait(sockets: [socket], timeoutMilliseconds: 50)
                while let frames = try socket.receive() {
                    for payload in frames where !payload.isEmpty {
                        guard let reply = try? ServerMessage(serializedBytes: payload) else { continue }
                        let id = reply.requestID
                        if replies[id] == nil { outstanding -= 1 }
                        replies[id] = reply
                    }
                }
            }
        } catch let e as TransportError {
            throw .transport(e)
        } catch let e as Failure {
            throw e
        } catch {
            throw .timedOut(pending: messages.count - replies.count)
        }
        return replies
    }

    /// Sends every message and returns the final reply to each, keyed by request ID, for a bulk
    /// job that must finish completely: requests refused as `overloaded` are sent again after a
    /// backoff, and the number outstanding follows what the coordinator admits (`RequestPacer`:
    /// starts at `batchSize`, halves on refusals, grows with answers up to `maxWindow`). Messages
    /// go `batchSize` to a ZeroMQ message while the window allows. It gives up once no reply has
    /// arrived for `timeoutSeconds` (so a long file is not cut short by a fixed total): a request
    /// still refused then keeps its last `overloaded` reply, one never answered has none.
    public func exchangePaced(
        _ messages: [(id: String, bytes: [UInt8])], batchSize: Int = 64, maxWindow: Int = 256,
        timeoutSeconds: Double = 30
    ) throws(Failure) -> [String: ServerMessage] {
        var replies: [String: ServerMessage] = [:]
        var indexOf: [String: Int] = [:]
        for (i, m) in messages.enumerated() { indexOf[m.id] = i }
        let batch = max(1, batchSize)
        var pacer = RequestPacer(count: messages.count, settings: .init(initialWindow: batch, maxWindow: max(batch, maxWindow)))
        var jitter = SystemRandomNumberGenerator()
        let patience = Duration.milliseconds(Int64(max(0, timeoutSeconds) * 1_000))
        var lastReply = WallInstant.now()
        let poller = Poller()
        do {
            while !pacer.isFinished && WallInstant.now() < lastReply + patience {
                while true {
                    let indices = pacer.next(now: WallInstant.now(), maxBatch: batch)
                    if indices.isEmpty { break }
                    if try !socket.send(indices.map { messages[$0].bytes }) { pacer.unsent(indices); break }
                }
                let now = WallInstant.now()
                let wait = min(.milliseconds(50), max(.zero, (pacer.nextDue ?? now + .seconds(1)) - now))
                _ = try poller.wait(sockets: [socket], timeoutMilliseconds: Int(max(1, wait.wholeMicroseconds / 1_000)))
                while let frames = try socket.receive() {
                    for payload in frames where !payload.isEmpty {
                        guard let reply = try? ServerMessage(serializedBytes: payload), let i = indexOf[reply.requestID] else { continue }
                        lastReply = WallInstant.now()
                        if case let .error(e) = reply, e.code == .overloaded {
                            if pacer.refused(i, now: WallInstant.now(), jitter: Double.random(in: 0..<1, using: &jitter)) {
                                replies[reply.requestID] = reply
                            }
                        } else if pacer.answered(i) {
                            replies[reply.requestID] = reply
                        }
                    }
                }
            }
        } catch let e as TransportError {
            throw .transport(e)
        } catch {
            throw .timedOut(pending: messages.count - replies.count)
        }
        return replies
    }

    /// One request, one reply.
    public func send(_ message: ClientMessage, id: String, timeoutSeconds: Double = 10) throws(Failure) -> ServerMessage {
        guard let reply = try exchange([(id, message.serializedBytes())], window: 1, timeoutSeconds: timeoutSeconds)[id] else {
            throw .timedOut(pending: 1)
        }
        return reply
    }

    /// Sends raw bytes (for tests of malformed input) and waits for any reply.
    public func sendRaw(_ bytes: [UInt8], timeoutSeconds: Double = 5) throws(Failure) -> ServerMessage? {
        do {
            _ = try socket.send([bytes])
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            let poller = Poller()
            while Date() < deadline {
                _ = try poller.wait(sockets: [socket], timeoutMilliseconds: 50)
                if let frames = try socket.receive(), let payload = frames.last {
                    return try? ServerMessage(serializedBytes: payload)
                }
            }
            return nil
        } catch {
            throw .transport(error)
        }
    }
}
