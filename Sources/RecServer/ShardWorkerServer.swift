import RecCluster
import RecModel
import RecTransport
import RecWire

/// The worker process's shell: a ROUTER socket owned by the calling thread, a poll loop, and the
/// pure `ShardWorkerCore` doing the work. Compute per query is a few microseconds, so queries are
/// answered on the socket's own thread with no hand-off.
public final class ShardWorkerServer {
    public private(set) var core: ShardWorkerCore
    private let context: ZMQContext
    private let socket: ZMQSocket
    /// The bound endpoint (with the real port when bound to `:*`).
    public let endpoint: String

    public init(model: RecommenderModel, shard: Int, shardMap: ShardMap, bind: String) throws(TransportError) {
        core = ShardWorkerCore(model: model, shard: shard, shardMap: shardMap)
        context = try ZMQContext()
        socket = try ZMQSocket(context: context, kind: .router)
        try socket.bind(bind)
        endpoint = try socket.lastEndpoint()
    }

    /// Serves until `stop` is set; returns after closing the socket.
    public func run(until stop: StopFlag) throws(TransportError) {
        let poller = Poller()
        while !stop.isStopped {
            let ready = try poller.wait(sockets: [socket], timeoutMilliseconds: 100)
            guard ready.sockets[0] else { continue }
            // Drain everything waiting before polling again.
            while let frames = try socket.receive() {
                guard frames.count >= 2 else { continue }
                // [peer, query, query, ...]: a batch (protocols/README.md); one reply frame per query, in order.
                var replies = [frames[0]]
                replies.reserveCapacity(frames.count)
                let now = WallClock.nowMicros()
                for payload in frames.dropFirst() { replies.append(core.handle(bytes: payload, now: now).serializedBytes()) }
                do { try socket.send(replies) } catch where error.isHostUnreachable {
                    continue // the coordinator went away; nothing to deliver to
                }
            }
        }
        socket.close()
    }
}
