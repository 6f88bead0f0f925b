import Foundation
import RecTransport
import RecWire
import Synchronization

/// A coordinator stand-in on a real ZeroMQ ROUTER (loopback, a port the kernel picks), on a thread
/// of its own: each request frame is answered by `answer` (nil: never answered), a batch by one
/// message in order, as the real coordinator does. Replies to single requests can be held back and
/// sent in reverse order, to show that the client matches them by request ID.
final class ScriptedCoordinator: @unchecked Sendable {
    let endpoint: String
    private let stop = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    let received = Mutex<[ClientMessage]>([])

    init(reverseEvery: Int = 1, answer: @escaping @Sendable (ClientMessage) -> ServerMessage?) throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, kind: .router)
        try socket.bind("tcp://127.0.0.1:*")
        endpoint = try socket.lastEndpoint()
        let box = SocketBox(context: context, socket: socket)
        Thread { [self] in
            var held: [[[UInt8]]] = []
            let poller = Poller()
            while !stop.load(ordering: .acquiring) {
                _ = try? poller.wait(sockets: [box.socket], timeoutMilliseconds: 10)
                while let frames = try? box.socket.receive() {
                    let requests = frames.dropFirst().compactMap { try? ClientMessage(serializedBytes: $0) }
                    received.withLock { $0 += requests }
                    let replies = requests.compactMap(answer).map { $0.serializedBytes() }
                    guard !replies.isEmpty else { continue }
                    if requests.count > 1 {
                        _ = try? box.socket.send([frames[0]] + replies)
                    } else {
                        held.append([frames[0]] + replies)
                        if held.count >= reverseEvery {
                            for message in held.reversed() { _ = try? box.socket.send(message) }
                            held.removeAll()
                        }
                    }
                }
            }
            box.socket.close()
            done.signal()
        }.start()
    }

    func close() {
        stop.store(true, ordering: .releasing)
        done.wait()
    }

    /// The reply the real coordinator would give a recommendation, with items derived from the history.
    static func echo(_ message: ClientMessage) -> ServerMessage? {
        switch message {
        case let .recommend(r):
            var response = RecommendResponse(requestID: r.requestID)
            response.itemIDs = (0..<Int(r.k)).map { "\(r.itemIDs.first ?? "none")-\($0)" }
            response.scores = (0..<Int(r.k)).map { 1 / Float($0 + 1) }
            response.modelVersion = "scripted"
            return .recommend(response)
        case let .status(s):
            var status = StatusResponse(requestID: s.requestID)
            status.modelVersion = "scripted"
            status.ready = true
            return .status(status)
        default:
            return nil
        }
    }
}

private final class SocketBox: @unchecked Sendable {
    let context: ZMQContext
    let socket: ZMQSocket
    init(context: ZMQContext, socket: ZMQSocket) {
        self.context = context
        self.socket = socket
    }
}
