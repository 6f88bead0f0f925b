import Foundation
import Logging
import Metrics
import RecVote
import RecInference
import RecServing
import RecTransport
import RecWire
import Synchronization

/// The worker process's shell: a ROUTER socket owned by the calling thread, a poll loop, and the
/// pure `ShardWorkerCore` doing the work. Compute per query is a few microseconds, so queries are
/// answered on the socket's own thread with no hand-off.
public final class ShardWorkerServer {
    public private(set) var core: ShardWorkerCore
    private let context: ZMQContext
    private let socket: ZMQSocket
    /// The bound endpoint (with the real port when bound to `:*`).
    public let endpoint: String

    /// The ZAP handler when coordinators must authenticate (CURVE).
    public private(set) var securityGuard: SecurityGuard?

    private let logger: Logger
    /// Loads this shard's items of the model file under the given shard counts, when a coordinator
    /// asks for a shard count this worker does not hold (resharding) and on reload. Nil: such
    /// requests are refused.
    public var modelLoader: (@Sendable (_ shardCounts: [Int]) throws -> ShardModel)?
    private let adopted = CoreSlot()
    private let reloaded = CoreSlot()
    private var adopting: Int?
    /// The previous model version, still answering queries that name it (at most one).
    public private(set) var previousCore: ShardWorkerCore?
    /// Set (e.g. by SIGHUP) to load the model again: a new version is served beside the current one.
    public let reloadRequested = TriggerFlag()
    private var reloading = false
    private let answeredCounter: Counter
    private let expiredCounter: Counter
    private let batchSize: Recorder
    private let queryDuration: Metrics.Timer

    /// With `security`, only coordinators presenting a listed CURVE key are served.
    public convenience init(model: RecommenderModel, shard: Int, shardCount: Int, bind: String,
                            security: CurveSettings? = nil, logger: Logger = Logger(label: "efficientrec.worker")) throws {
        try self.init(model: ShardModel(model, shard: shard, shardCounts: [shardCount]), shard: shard, shardCount: shardCount,
                      bind: bind, security: security, logger: logger)
    }

    public init(model: ShardModel, shard: Int, shardCount: Int, bind: String,
                security: CurveSettings? = nil, logger: Logger = Logger(label: "efficientrec.worker")) throws(TransportError) {
        self.logger = logger
        let dimensions = [("shard", "\(shard)")]
        answeredCounter = Counter(label: "efficientrec_worker_queries_total", dimensions: dimensions)
        expiredCounter = Counter(label: "efficientrec_worker_expired_total", dimensions: dimensions)
        batchSize = Recorder(label: "efficientrec_worker_batch_size", dimensions: dimensions, aggregate: true)
        queryDuration = Metrics.Timer(label: "efficientrec_worker_query_duration", dimensions: dimensions)
        Gauge(label: "efficientrec_model_info", dimensions: [("model_version", model.version), ("shard", "\(shard)")]).record(1)
        core = ShardWorkerCore(model: model, shard: shard, shardCounts: [shardCount])
        context = try ZMQContext()
        if let security {
            let guardian = try SecurityGuard(context: context, allowedClients: security.allowedClients)
            securityGuard = guardian
            socket = try ZMQSocket(context: context, kind: .router, options: security.serverOptions.cappingFrames(at: .standard))
            try guardian.guardSocket(socket)
        } else {
            socket = try ZMQSocket(context: context, kind: .router, options: ZMQSocket.Options().cappingFrames(at: .standard))
        }
        try socket.bind(bind)
        endpoint = try socket.lastEndpoint()
        if security == nil && !CoordinatorServer.isLoopback(endpoint) {
            let text = "the worker socket \(endpoint) is reachable beyond this host and unauthenticated: any peer that reaches it "
                + "can query it or send it heartbeats; turn on CURVE (--curve-secret, --curve-clients) or bind to loopback"
            logger.warning("\(text)")
        }
        readiness.set(problem: nil) // the model is loaded and the socket bound
    }

    /// Ready from the moment the model is loaded and the socket bound until draining starts
    /// (`GET /readyz`).
    public let readiness = Readiness()

    /// How long a stopping worker keeps answering after announcing it is draining: until no frame
    /// has come for `drainQuiet`, at most `drainLimit` (µs).
    public var drainQuiet: UInt64 = 200_000
    public var drainLimit: UInt64 = 1_500_000

    /// Serves until `stop` is set, then drains: tells every coordinator it has heard from that it is
    /// shutting down (a heartbeat with `draining`), answers what still arrives until it goes quiet,
    /// and returns after closing the socket.
    public func run(until stop: StopFlag) throws(TransportError) {
        let poller = Poller()
        var peers = RecentPeers()
        var drainStarted: UInt64?
        var lastFrame = WallClock.nowMicros()
        while true {
            let now = WallClock.nowMicros()
            if stop.isStopped && drainStarted == nil {
                drainStarted = now
                lastFrame = now
                core.draining = true
                readiness.set(ready: false, reason: "draining")
                let beat = core.heartbeat(now: now).serializedBytes()
                for peer in peers.all { _ = try? socket.send([peer, beat]) }
                logger.info("draining", metadata: ["shard": "\(core.shard)", "coordinators": "\(peers.count)"])
            }
            if let started = drainStarted, now - lastFrame > drainQuiet || now - started > drainLimit { break }
            adoptIfAsked()
            reloadIfAsked()
            let ready = try poller.wait(sockets: [socket], timeoutMilliseconds: drainStarted == nil ? 100 : 20)
            guard ready.sockets[0] else { continue }
            // Drain everything waiting before polling again.
            while let frames = try socket.receive() {
                guard frames.count >= 2 else { continue }
                peers.saw(frames[0], at: WallClock.nowMicros())
                // [peer, query, query, ...]: a batch (protocols/README.md); one reply frame per query, in order.
                var replies = [frames[0]]
                replies.reserveCapacity(frames.count)
                let now = WallClock.nowMicros()
                let (answeredBefore, expiredBefore) = (core.answered, core.expired)
                for payload in frames.dropFirst() {
                    let answer = answer(payload, now: now)
                    if case .heartbeat = answer {} else { lastFrame = now } // heartbeats do not keep a drain going
                    replies.append(answer.serializedBytes())
                }
                let answered = core.answered - answeredBefore
                if answered > 0 {
                    answeredCounter.increment(by: answered)
                    batchSize.record(answered)
                    queryDuration.recordMicroseconds(Int64(WallClock.nowMicros() - now) / Int64(answered))
                }
                if core.expired > expiredBefore { expiredCounter.increment(by: core.expired - expiredBefore) }
                do { try socket.send(replies) } catch where error.isHostUnreachable {
                    continue // the coordinator went away; nothing to deliver to
                }
            }
        }
        readiness.set(ready: false, reason: "stopped")
        socket.close()
        securityGuard?.stop()
    }

    /// A query naming the previous model version goes to it; everything else to the current core.
    /// Each frame is decoded once.
    private func answer(_ payload: [UInt8], now: UInt64) -> WorkerMessage {
        guard previousCore != nil else { return core.handle(bytes: payload, now: now) }
        let message: CoordinatorMessage
        do { message = try CoordinatorMessage(serializedBytes: payload) } catch {
            return .error(ErrorReply(requestID: "", code: error.replyCode, message: error.description))
        }
        if case let .query(q) = message, q.modelVersion == previousCore?.modelVersion {
            return previousCore!.handle(q, now: now)
        }
        return core.handle(message, now: now)
    }

    /// Builds a core from the model file on a thread — this shard under `shardCounts` (the latest
    /// last) — and leaves it in `slot` for the poll loop (which keeps serving meanwhile).
    private func loadCore(into slot: CoreSlot, shardCounts: [Int], purpose: String) {
        guard let modelLoader else { return slot.put(.failed) }
        let shard = core.shard
        let log = logger
        let thread = Thread {
            do {
                let model = try modelLoader(shardCounts)
                slot.put(.ready(ShardWorkerCore(model: model, shard: shard, shardCounts: shardCounts)))
            } catch {
                log.error("\(purpose): could not load the model: \(error)")
                slot.put(.failed)
            }
        }
        thread.name = purpose
        thread.start()
    }

    /// Loads the model file again (SIGHUP); a new version becomes current and the old one stays as
    /// `previousCore`, so coordinators can switch atomically and roll back.
    private func reloadIfAsked() {
        switch reloaded.take() {
        case let .ready(next)?:
            reloading = false
            if next.modelVersion == core.modelVersion {
                logger.info("reload: the model file holds the version already served", metadata: ["model_version": "\(next.modelVersion)"])
            } else if next.modelVersion == previousCore?.modelVersion, let previous = previousCore {
                previousCore = core
                core = previous
                core.otherVersions = [previousCore!.modelVersion]
                logger.notice("reload: back to the previous model version", metadata: ["model_version": "\(core.modelVersion)"])
            } else {
                var fresh = next
                fresh.continueFrom(core)
                fresh.otherVersions = [core.modelVersion]
                previousCore = core
                core = fresh
                logger.notice("reload: serving a new model version beside the previous one",
                              metadata: ["model_version": "\(core.modelVersion)", "previous": "\(previousCore!.modelVersion)"])
            }
        case .failed?:
            reloading = false
        case nil:
            break
        }
        guard reloadRequested.take(), !reloading else { return }
        reloading = true
        loadCore(into: reloaded, shardCounts: core.heldShardCounts, purpose: "reload-model")
    }

    /// Serves another shard count when a coordinator asks for one: its partition moves items
    /// between shards, so this shard's new items are loaded from the model file on a background
    /// thread (the loop keeps serving the old count meanwhile); the new core holds both counts'
    /// items and replaces the old one. Only the current model version is resharded: a previous
    /// version kept for a rollout keeps the counts it had (finish a rollout before resharding).
    private func adoptIfAsked() {
        switch adopted.take() {
        case let .ready(ready)?:
            var next = ready
            next.continueFrom(core)
            core = next
            adopting = nil
            logger.notice("now serving shard counts \(core.heldShardCounts)", metadata: ["shard": "\(core.shard)",
                                                                                      "shortlist_entries": "\(core.heldEntries)"])
        case .failed?:
            adopting = nil
            core.dropRequest() // the next heartbeat asks again
        case nil:
            break
        }
        guard adopting == nil, let wanted = core.requestedShardCount else { return }
        guard core.shard < wanted, wanted <= ShardMap.maximumShardCount else {
            logger.error("asked for \(wanted) shards, which cannot include shard \(core.shard)")
            core.dropRequest()
            return
        }
        guard modelLoader != nil else {
            logger.error("asked for \(wanted) shards but cannot load the model again")
            core.dropRequest()
            return
        }
        adopting = wanted
        loadCore(into: adopted, shardCounts: core.heldShardCounts.suffix(1) + [wanted], purpose: "adopt-\(wanted)")
    }
}

/// Hands a core built on a loading thread to the poll loop (one slot per purpose, so a reload and
/// a reshard finishing together do not overwrite each other).
final class CoreSlot: Sendable {
    enum Outcome: Sendable { case ready(ShardWorkerCore), failed }
    private let value = Mutex<Outcome?>(nil)
    func put(_ outcome: Outcome) { value.withLock { $0 = outcome } }
    func take() -> Outcome? { value.withLock { v in defer { v = nil }; return v } }
}
