import Foundation
import Logging
import RecInference
import RecServing
import RecTransport
import RecVote
import RecWire

/// The coordinator process's shell: a socket for clients, one per shard worker, all owned by the
/// calling thread's poll loop; `CoordinatorCore` makes every decision. Many requests are in flight
/// at once: the loop never waits for a shard, it only reacts to messages and deadlines. The sockets,
/// the poller and the clock come in a `CoordinatorTransport` (ZeroMQ and the wall clock in
/// production, `EmbeddedSocket`s and a `ManualClock` in tests). The loop is in
/// `CoordinatorServer+Loop`, reloads in `CoordinatorServer+Reload`, the ZeroMQ sockets in
/// `CoordinatorServer+ZeroMQ`.
public final class CoordinatorServer {
    public internal(set) var core: CoordinatorCore
    let transport: CoordinatorTransport
    var clock: any ServingClock { transport.clock }
    var frontend: any MessageSocket { transport.frontend }
    /// Admin actions (rollback, blocklist) are accepted only here.
    var admin: (any MessageSocket)? { transport.admin }
    var membership: LoopMembership? { transport.membership }
    public var adminEndpoint: String? { transport.adminEndpoint }
    public var endpoint: String { transport.endpoint }
    /// The ZAP handler when clients must authenticate (CURVE).
    public var securityGuard: SecurityGuard? { transport.securityGuard }
    /// Loopback, a port the kernel picks.
    public static let defaultAdminBind = "tcp://127.0.0.1:0"
    var workers: [any MessageSocket]
    /// Per shard, the replica endpoints connected (including shards still being added).
    var endpoints: [[String]]
    let logger: Logger
    /// Set (e.g. by SIGHUP) to re-read the topology from `topologySource` on the next loop turn.
    public let reloadRequested = TriggerFlag()
    /// Where a reload gets the shard → replica endpoints (a cluster config file). Shards are added
    /// or removed at the end; the others must keep their endpoints.
    public var topologySource: (@Sendable () throws -> [[String]])?
    /// Where a reload gets the model (the config's model file): a new version is staged and
    /// switched to once every shard has a worker holding it (`CoordinatorCore+Rollout`).
    public var modelSource: (@Sendable () throws -> RecommenderModel)?
    let loadedModel: HandoffSlot<RecommenderModel>
    /// Sub-request messages dropped because a worker's queue was full.
    public internal(set) var droppedToShards = 0
    let telemetry: CoordinatorTelemetry
    /// Ready when every shard has a live replica holding the current model (`GET /readyz`); with
    /// several loops, when every loop is.
    public let readiness: Readiness
    var outbox: CoordinatorOutbox
    lazy var shedder = QueueShedder(target: core.configuration.queueTarget)
    /// Set when a stop was seen: the drain ends when nothing is in flight or at this time.
    var drainUntil: WallInstant?
    /// When readiness and the sibling status were last published.
    var readinessChecked: WallInstant = 0
    /// Client frames libzmq queues per client connection before it stops reading that connection
    /// (bounds the coordinator's memory under overload; clients then see their own queue fill).
    public static let clientQueueLimit: Int32 = 2_000
    public static var batchLimit: Int { CoordinatorOutbox.batchLimit }

    /// `workerEndpoints[s]` are the replicas serving shard s of `workerEndpoints.count`.
    /// With `security`, clients must present a listed CURVE key and workers are reached over CURVE
    /// with `security.serverKey`.
    /// `adminBind` is where admin actions (rollback) are accepted — loopback by default, nil for
    /// none; the data socket refuses them.
    public convenience init(
        model: RecommenderModel, workerEndpoints: [[String]], bind: String,
        configuration: CoordinatorCore.Configuration = .init(), security: CurveSettings? = nil,
        adminBind: String? = CoordinatorServer.defaultAdminBind,
        logger: Logger = Logger(label: "efficientrec.coordinator")
    ) throws {
        let clients = try ClientSide.ownRouter(bind: bind, security: security, limits: configuration.limits)
        try self.init(
            model: model, workerEndpoints: workerEndpoints, clients: clients,
            configuration: configuration, security: security, adminBind: adminBind, logger: logger)
    }

    /// One poll loop over ZeroMQ with its client side given: its own ROUTER (the convenience
    /// initialiser), or a DEALER behind its process's proxy (`CoordinatorGroup`).
    convenience init(
        model: RecommenderModel, workerEndpoints: [[String]], clients: ClientSide,
        configuration: CoordinatorCore.Configuration, security: CurveSettings?, adminBind: String?,
        logger: Logger
    ) throws {
        let transport = try CoordinatorTransport.zeroMQ(
            clients: clients, security: security, adminBind: adminBind,
            limits: configuration.limits, logger: logger)
        try self.init(
            model: model, workerEndpoints: workerEndpoints, transport: transport, configuration: configuration,
            logger: logger)
    }

    /// One poll loop over the given transport (tests drive it with `EmbeddedSocket`s).
    init(
        model: RecommenderModel, workerEndpoints: [[String]], transport: CoordinatorTransport,
        configuration: CoordinatorCore.Configuration, logger: Logger
    ) throws {
        let map = try ShardMap(shardCount: workerEndpoints.count)
        let clock = transport.clock
        core = CoordinatorCore(
            model: model, shardMap: map, replicas: workerEndpoints.map(\.count), configuration: configuration,
            now: clock.now(), clock: { clock.now() })
        core.adminEndpoint = transport.adminEndpoint
        self.transport = transport
        loadedModel = transport.membership.map { $0.siblings.modelSlots[$0.index] } ?? HandoffSlot()
        readiness = transport.membership?.siblings.readiness ?? Readiness()
        self.logger = logger
        endpoints = workerEndpoints
        workers = try workerEndpoints.flatMap { $0 }.map { e throws(TransportError) in try transport.connectWorker(e) }
        outbox = CoordinatorOutbox(workers: workers.count)
        telemetry = CoordinatorTelemetry(core: core, logger: logger)
    }

    /// Tells a loop without the admin socket where it is, so its refusals of admin actions name it.
    public func useAdminEndpoint(_ endpoint: String?) {
        if admin == nil { core.adminEndpoint = endpoint }
    }
}

extension CoordinatorServer {
    /// Whether an endpoint can only be reached from this host (loopback TCP, IPC, in-process).
    public static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        let host = endpoint.dropFirst(6).split(separator: ":", omittingEmptySubsequences: false).dropLast().joined(separator: ":")
        return host.hasPrefix("127.") || host == "localhost" || host == "[::1]" || host == "::1"
    }
}
