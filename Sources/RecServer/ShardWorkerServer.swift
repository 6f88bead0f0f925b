import Foundation
import Logging
import Metrics
import RecInference
import RecServing
import RecTransport
import RecVote
import RecWire
import Synchronization

/// The worker process's shell: a ROUTER socket owned by the calling thread, a poll loop, and the
/// pure `ShardWorkerCore` doing the work. Compute per query is a few microseconds, so queries are
/// answered on the socket's own thread with no hand-off.
public final class ShardWorkerServer {
    public internal(set) var core: ShardWorkerCore
    let transport: WorkerTransport
    var socket: any MessageSocket { transport.socket }
    var clock: any ServingClock { transport.clock }
    /// The bound endpoint (with the real port when bound to `:*`).
    public var endpoint: String { transport.endpoint }
    /// The ZAP handler when coordinators must authenticate (CURVE).
    public var securityGuard: SecurityGuard? { transport.securityGuard }

    let logger: Logger
    /// Loads this shard's items of the model file under the given shard counts, when a coordinator
    /// asks for a shard count this worker does not hold (resharding) and on reload. Nil: such
    /// requests are refused.
    public var modelLoader: (@Sendable (_ shardCounts: [Int]) throws -> ShardModel)?
    let adopted = CoreSlot()
    let reloaded = CoreSlot()
    var adopting: Int?
    /// The previous model version, still answering queries that name it (at most one).
    public internal(set) var previousCore: ShardWorkerCore?
    /// Set (e.g. by SIGHUP) to load the model again: a new version is served beside the current one.
    public let reloadRequested = TriggerFlag()
    var reloading = false
    private let answeredCounter: Counter
    private let expiredCounter: Counter
    private let batchSize: Recorder
    private let queryDuration: Metrics.Timer
    /// Coordinators heard from recently (told when this worker drains).
    private var peers = RecentPeers()
    private var drainStarted: WallInstant?
    private var lastFrame: WallInstant = 0

    /// With `security`, only coordinators presenting a listed CURVE key are served.
    public convenience init(
        model: RecommenderModel, shard: Int, shardCount: Int, bind: String,
        security: CurveSettings? = nil, logger: Logger = Logger(label: "efficientrec.worker")
    ) throws {
        try self.init(
            model: ShardModel(model, shard: shard, shardCounts: [shardCount]), shard: shard, shardCount: shardCount,
            bind: bind, security: security, logger: logger)
    }

    public convenience init(
        model: ShardModel, shard: Int, shardCount: Int, bind: String,
        security: CurveSettings? = nil, logger: Logger = Logger(label: "efficientrec.worker")
    ) throws(TransportError) {
        let transport = try WorkerTransport.zeroMQ(bind: bind, security: security)
        if security == nil && !CoordinatorServer.isLoopback(transport.endpoint) {
            let text =
                "the worker socket \(transport.endpoint) is reachable beyond this host and unauthenticated: any peer that reaches it "
                + "can query it or send it heartbeats; turn on CURVE (--curve-secret, --curve-clients) or bind to loopback"
            logger.warning("\(text)")
        }
        self.init(model: model, shard: shard, shardCount: shardCount, transport: transport, logger: logger)
    }

    /// A worker over the given transport (tests drive it with an `EmbeddedSocket`).
    init(model: ShardModel, shard: Int, shardCount: Int, transport: WorkerTransport, logger: Logger) {
        self.logger = logger
        self.transport = transport
        let dimensions = [("shard", "\(shard)")]
        answeredCounter = Counter(label: "efficientrec_worker_queries_total", dimensions: dimensions)
        expiredCounter = Counter(label: "efficientrec_worker_expired_total", dimensions: dimensions)
        batchSize = Recorder(label: "efficientrec_worker_batch_size", dimensions: dimensions, aggregate: true)
        queryDuration = Metrics.Timer(label: "efficientrec_worker_query_duration", dimensions: dimensions)
        Gauge(label: "efficientrec_model_info", dimensions: [("model_version", model.version), ("shard", "\(shard)")]).record(1)
        core = ShardWorkerCore(model: model, shard: shard, shardCounts: [shardCount])
        readiness.set(problem: nil)  // the model is loaded and the socket bound
    }

    /// Ready from the moment the model is loaded and the socket bound until draining starts
    /// (`GET /readyz`).
    public let readiness = Readiness()

    /// How long a stopping worker keeps answering after announcing it is draining: until no frame
    /// has come for `drainQuiet`, at most `drainLimit`.
    public var drainQuiet: Duration = .milliseconds(200)
    public var drainLimit: Duration = .milliseconds(1_500)

    /// Serves until `stop` is set, then drains: tells every coordinator it has heard from that it is
    /// shutting down (a heartbeat with `draining`), answers what still arrives until it goes quiet,
    /// and returns after closing the socket.
    public func run(until stop: StopFlag) throws(TransportError) {
        while try turn(stop: stop) {}
        readiness.set(ready: false, reason: "stopped")
        socket.close()
        securityGuard?.stop()
    }

    /// One turn of the loop; false once a drain has finished.
    func turn(stop: StopFlag) throws(TransportError) -> Bool {
        let now = clock.now()
        if stop.isStopped && drainStarted == nil { beginDrain(now: now) }
        if let started = drainStarted, now - lastFrame > drainQuiet || now - started > drainLimit { return false }
        adoptIfAsked()
        reloadIfAsked()
        let ready = try transport.poller.wait([socket], timeout: drainStarted == nil ? .milliseconds(100) : .milliseconds(20))
        guard ready[0] else { return true }
        // Drain everything waiting before polling again.
        while let frames = try socket.receive() { try answerMessage(frames) }
        return true
    }

    private func beginDrain(now: WallInstant) {
        drainStarted = now
        lastFrame = now
        core.draining = true
        readiness.set(ready: false, reason: "draining")
        let beat = core.heartbeat(now: now).serializedBytes()
        for peer in peers.all { _ = try? socket.send([peer, beat]) }
        logger.info("draining", metadata: ["shard": "\(core.shard)", "coordinators": "\(peers.count)"])
    }

    /// [peer, query, query, ...]: a batch (docs/api.md); one reply frame per query, in order.
    private func answerMessage(_ frames: [[UInt8]]) throws(TransportError) {
        guard frames.count >= 2 else { return }
        let now = clock.now()
        peers.saw(frames[0], at: now)
        var replies = [frames[0]]
        replies.reserveCapacity(frames.count)
        let (answeredBefore, expiredBefore) = (core.answered, core.expired)
        for payload in frames.dropFirst() {
            let answer = answer(payload, now: now)
            if case .heartbeat = answer {} else { lastFrame = now }  // heartbeats do not keep a drain going
            replies.append(answer.serializedBytes())
        }
        let answered = core.answered - answeredBefore
        if answered > 0 {
            answeredCounter.increment(by: answered)
            batchSize.record(answered)
            queryDuration.recordMicroseconds((clock.now() - now).wholeMicroseconds / Int64(answered))
        }
        if core.expired > expiredBefore { expiredCounter.increment(by: core.expired - expiredBefore) }
        do { try socket.send(replies) } catch  where error.isHostUnreachable {
            return  // the coordinator went away; nothing to deliver to
        }
    }

    /// A query naming the previous model version goes to it; everything else to the current core.
    /// Each frame is decoded once.
    func answer(_ payload: [UInt8], now: WallInstant) -> WorkerMessage {
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
}
