import Logging
import RecInference
import RecServing
import RecWire

@testable import RecServer

/// A coordinator shell and its workers' shells wired through `EmbeddedSocket`s, one turn at a time,
/// on a `ManualClock`: the real loops with no threads, sockets or waiting. Time passes only while
/// the coordinator has nothing to read (its poller advances the clock to its next timer).
final class EmbeddedCluster {
    let clock = ManualClock(1_700_000_000_000_000)
    let clients = EmbeddedSocket()
    let admin = EmbeddedSocket()
    let coordinator: CoordinatorServer
    /// The coordinator's socket to each worker, in worker order (shard by shard, replicas within).
    let toWorkers: [EmbeddedSocket]
    let workers: [ShardWorkerServer]
    let stop = StopFlag()
    let workerStop = StopFlag()
    /// Workers whose messages are not carried (a worker that went silent).
    var silent: Set<Int> = []
    /// The routing ID a worker's ROUTER sees for the coordinator.
    static let coordinatorPeer: [UInt8] = [0xC0]

    init(model: RecommenderModel, shards: Int, replicas: Int = 1, configuration: CoordinatorCore.Configuration = .init()) throws {
        let endpoints = (0..<shards).map { s in (0..<replicas).map { "embedded://shard-\(s)/replica-\($0)" } }
        let made = SocketList()
        let transport = CoordinatorTransport(
            frontend: clients, endpoint: "embedded://clients", admin: admin, adminEndpoint: "embedded://admin",
            connectWorker: { _ in made.append() }, poller: EmbeddedPoller(clock: clock), clock: clock)
        var logger = Logger(label: "test.coordinator")
        logger.logLevel = .critical
        coordinator = try CoordinatorServer(
            model: model, workerEndpoints: endpoints, transport: transport,
            configuration: configuration, logger: logger)
        toWorkers = made.sockets
        var workers: [ShardWorkerServer] = []
        for (shard, replicaEndpoints) in endpoints.enumerated() {
            for endpoint in replicaEndpoints {
                let transport = WorkerTransport(
                    socket: EmbeddedSocket(), endpoint: endpoint, poller: EmbeddedPoller(clock: clock),
                    clock: clock, securityGuard: nil)
                workers.append(
                    ShardWorkerServer(
                        model: try ShardModel(model, shard: shard, shardCounts: [shards]), shard: shard,
                        shardCount: shards, transport: transport, logger: logger))
            }
        }
        self.workers = workers
    }

    func workerSocket(_ worker: Int) -> EmbeddedSocket { workers[worker].transport.socket as! EmbeddedSocket }

    /// A coordinator turn, its sub-requests carried to the workers, a turn of each worker with
    /// input, and their replies carried back. False once the coordinator's drain has finished.
    @discardableResult
    func step() throws -> Bool {
        let going = try coordinator.turn(stop: stop)
        for (w, socket) in toWorkers.enumerated() {
            for message in socket.takeSent() where !silent.contains(w) {
                workerSocket(w).deliver([Self.coordinatorPeer] + message)
            }
        }
        for (w, worker) in workers.enumerated() where workerSocket(w).hasInput {
            _ = try worker.turn(stop: workerStop)
            for message in workerSocket(w).takeSent() where !silent.contains(w) {
                toWorkers[w].deliver(Array(message.dropFirst()))
            }
        }
        return going
    }

    /// Steps until the client socket has sent `count` messages (at most `turns` turns).
    func replies(_ count: Int = 1, turns: Int = 200, from socket: EmbeddedSocket? = nil) throws -> [[[UInt8]]] {
        let socket = socket ?? clients
        var out: [[[UInt8]]] = []
        for _ in 0..<turns where out.count < count {
            try step()
            out += socket.takeSent()
        }
        return out
    }

    static func request(_ id: String, items: [String], k: UInt32 = 10, deadline: UInt64 = 0) -> [UInt8] {
        ClientMessage.recommend(
            RecommendRequest(
                requestID: id, itemIDs: items, ratings: items.map { _ in 5 }, k: k,
                deadlineUnixMicros: deadline)
        ).serializedBytes()
    }
}

/// The sockets a coordinator connected, in order.
private final class SocketList {
    var sockets: [EmbeddedSocket] = []
    func append() -> EmbeddedSocket {
        let s = EmbeddedSocket()
        sockets.append(s)
        return s
    }
}
