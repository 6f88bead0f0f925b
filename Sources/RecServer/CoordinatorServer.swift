import Foundation
import Logging
import RecVote
import RecInference
import RecServing
import RecTransport
import RecWire

/// The coordinator process's shell: a ROUTER for clients, one DEALER per shard worker, all owned by
/// the calling thread's poll loop; `CoordinatorCore` makes every decision. Many requests are in
/// flight at once: the loop never waits for a shard, it only reacts to frames and deadlines.
public final class CoordinatorServer {
    public private(set) var core: CoordinatorCore
    private let context: ZMQContext
    private let frontend: ZMQSocket
    /// Admin actions (rollback) are accepted only here.
    private let admin: ZMQSocket?
    /// Counts lost client connections when no security guard monitors the sockets.
    private let disconnects: DisconnectCounter?
    /// Set when this is one of several poll loops of the process (`CoordinatorGroup`).
    private let membership: LoopMembership?
    /// Whether this loop stops the security guard when it ends (its group does otherwise).
    private let ownsGuard: Bool
    public let adminEndpoint: String?
    /// Loopback, a port the kernel picks.
    public static let defaultAdminBind = "tcp://127.0.0.1:0"
    private var workers: [ZMQSocket]
    /// Per shard, the replica endpoints connected (including shards still being added).
    private var endpoints: [[String]]
    private let workerOptions: ZMQSocket.Options
    private let logger: Logger
    /// Set (e.g. by SIGHUP) to re-read the topology from `topologySource` on the next loop turn.
    public let reloadRequested = TriggerFlag()
    /// Where a reload gets the shard → replica endpoints (a cluster config file). Shards are added
    /// or removed at the end; the others must keep their endpoints.
    public var topologySource: (@Sendable () throws -> [[String]])?
    /// Where a reload gets the model (the config's model file): a new version is staged and
    /// switched to once every shard has a worker holding it (`CoordinatorCore+Rollout`).
    public var modelSource: (@Sendable () throws -> RecommenderModel)?
    private let loadedModel: HandoffSlot<RecommenderModel>
    public let endpoint: String
    public private(set) var droppedToShards = 0
    /// The ZAP handler when clients must authenticate (CURVE).
    public let securityGuard: SecurityGuard?
    private let telemetry: CoordinatorTelemetry
    /// Ready when every shard has a live replica holding the current model (`GET /readyz`); with
    /// several loops, when every loop is.
    public let readiness: Readiness
    /// Sub-requests waiting to leave, per worker: sent as one multipart message per worker once the
    /// frames read so far are handled (see "Batching" in protocols/README.md).
    private var outbox: [[[UInt8]]]
    /// The most frames read from one socket before the outbox is flushed (bounds the added latency).
    public static let batchLimit = 64
    /// Client batches (multipart messages of several requests) waiting for their last reply; every
    /// request is answered by its deadline, so every batch completes.
    private var batches: [UInt64: PendingBatch] = [:]
    private var batchSequence: UInt64 = 0
    /// The most sub-requests in one message to a worker while a client batch is read.
    public static let batchFanoutLimit = 1_000
    /// While a client batch is read: its size, so its sub-requests for a worker leave in one
    /// message (one fan-out per shard per batch) instead of being cut at `batchLimit`.
    private var flushAt = CoordinatorServer.batchLimit
    /// Client frames libzmq queues per client connection before it stops reading that connection
    /// (bounds the coordinator's memory under overload; clients then see their own queue fill).
    public static let clientQueueLimit: Int32 = 2_000

    /// `workerEndpoints[s]` are the replicas serving shard s of `workerEndpoints.count`.
    /// With `security`, clients must present a listed CURVE key and workers are reached over CURVE
    /// with `security.serverKey`.
    /// `adminBind` is where admin actions (rollback) are accepted — loopback by default, nil for
    /// none; the data socket refuses them.
    public convenience init(model: RecommenderModel, workerEndpoints: [[String]], bind: String,
                            configuration: CoordinatorCore.Configuration = .init(), security: CurveSettings? = nil,
                            adminBind: String? = CoordinatorServer.defaultAdminBind,
                            logger: Logger = Logger(label: "efficientrec.coordinator")) throws {
        let context = try ZMQContext()
        let securityGuard = try security.map { s throws(TransportError) in
            try SecurityGuard(context: context, allowedClients: s.allowedClients, monitors: 2)
        }
        let frontend = try Self.clientRouter(context: context, security: security, securityGuard: securityGuard, limits: configuration.limits)
        try frontend.bind(bind)
        // inproc names belong to the context, which is this server's own.
        let disconnects = securityGuard == nil ? try DisconnectCounter(context: context, watching: frontend, name: "frontend") : nil
        try self.init(model: model, workerEndpoints: workerEndpoints,
                      clients: ClientSide(context: context, frontend: frontend, endpoint: try frontend.lastEndpoint(),
                                          securityGuard: securityGuard, ownsGuard: true, disconnects: disconnects, membership: nil),
                      configuration: configuration, security: security, adminBind: adminBind, logger: logger)
    }

    /// The ROUTER clients connect to: CURVE-guarded when `security` is set, frames capped at the
    /// wire limits, a bounded queue per client connection.
    static func clientRouter(context: ZMQContext, security: CurveSettings?, securityGuard: SecurityGuard?,
                             limits: WireLimits, routerMandatory: Bool = true) throws(TransportError) -> ZMQSocket {
        var options = (security?.serverOptions ?? ZMQSocket.Options()).cappingFrames(at: limits)
        options.receiveHighWaterMark = clientQueueLimit
        options.routerMandatory = routerMandatory
        let socket = try ZMQSocket(context: context, kind: .router, options: options)
        if let securityGuard { try securityGuard.guardSocket(socket) }
        return socket
    }

    /// One poll loop with its client side given: its own ROUTER (the convenience initialiser), or
    /// a DEALER behind its process's proxy (`CoordinatorGroup`).
    init(model: RecommenderModel, workerEndpoints: [[String]], clients: ClientSide,
         configuration: CoordinatorCore.Configuration, security: CurveSettings?, adminBind: String?, logger: Logger) throws {
        let map = try ShardMap(shardCount: workerEndpoints.count)
        core = CoordinatorCore(model: model, shardMap: map, replicas: workerEndpoints.map(\.count), configuration: configuration,
                               now: WallClock.nowMicros(), clock: WallClock.nowMicros)
        let context = clients.context
        self.context = context
        frontend = clients.frontend
        endpoint = clients.endpoint
        securityGuard = clients.securityGuard
        ownsGuard = clients.ownsGuard
        disconnects = clients.disconnects
        membership = clients.membership
        loadedModel = clients.membership.map { $0.siblings.modelSlots[$0.index] } ?? HandoffSlot()
        readiness = clients.membership?.siblings.readiness ?? Readiness()
        let first = clients.membership?.isFirst ?? true
        if let adminBind, first {
            let socket = try ZMQSocket(context: context, kind: .router,
                                       options: (security?.serverOptions ?? ZMQSocket.Options()).cappingFrames(at: configuration.limits))
            if let securityGuard { try securityGuard.guardSocket(socket, monitor: 1) }
            try socket.bind(adminBind)
            admin = socket
            adminEndpoint = try socket.lastEndpoint()
            core.adminEndpoint = adminEndpoint
        } else {
            admin = nil
            adminEndpoint = nil
        }
        if security == nil && first {
            for (role, e) in [("data", endpoint), ("admin", adminEndpoint)] where e.map({ !Self.isLoopback($0) }) ?? false {
                let text = "the \(role) socket \(e!) is reachable beyond this host and unauthenticated: anyone who can reach it "
                    + "can send it requests; turn on CURVE (--curve-secret, --curve-clients) or bind to loopback"
                logger.warning("\(text)")
            }
        }
        let workerOptions = (try security?.clientOptions() ?? ZMQSocket.Options()).cappingFrames(at: configuration.limits)
        self.workerOptions = workerOptions
        self.logger = logger
        endpoints = workerEndpoints
        workers = try workerEndpoints.flatMap { $0 }.map { e in
            let s = try ZMQSocket(context: context, kind: .dealer, options: workerOptions)
            try s.connect(e)
            return s
        }
        outbox = Array(repeating: [], count: workers.count)
        telemetry = CoordinatorTelemetry(core: core, logger: logger)
    }

    /// Serves until `stop` is set, then drains: requests in flight are answered (by their deadline
    /// at the latest) while new ones get a fast `overloaded` error, and only then do the sockets close.
    /// Tells a loop without the admin socket where it is, so its refusals of admin actions name it.
    public func useAdminEndpoint(_ endpoint: String?) {
        if admin == nil { core.adminEndpoint = endpoint }
    }

    public func run(until stop: StopFlag) throws(TransportError) {
        let poller = Poller()
        var drainUntil: UInt64?
        // Readiness changes with heartbeats (every 100 ms by default): re-checked every 20 ms, not
        // on every turn of the loop (it walks every replica).
        var readinessChecked: UInt64 = 0
        while true {
            if reloadRequested.take() { reload() }
            let sockets = [frontend] + workers + (admin.map { [$0] } ?? [])
            if stop.isStopped && drainUntil == nil {
                core.beginDrain()
                drainUntil = WallClock.nowMicros() + core.configuration.defaultDeadlineMicros + 100_000
            }
            if let limit = drainUntil, core.inFlight == 0 || WallClock.nowMicros() > limit { break }
            let now = WallClock.nowMicros(), next = core.nextWakeup
            let timeout = next <= now ? 0 : min(100, Int((next - now + 999) / 1_000))
            let ready = try poller.wait(sockets: sockets, timeoutMilliseconds: timeout)
            // After the wait, so a version the first loop handed over while this one slept is
            // staged before any frame that woke it is answered.
            if let next = loadedModel.take() { stage(next) }
            if let m = membership, let blocked = m.siblings.blocklistSlots[m.index].take() { core.replaceBlocklist(blocked) }
            // Worker replies first: they finish admitted requests, which must not wait behind new ones.
            for (worker, socket) in workers.enumerated() where ready.sockets[worker + 1] {
                while let frames = try socket.receive() {
                    // A multipart message from a worker is a batch of replies, one per frame.
                    for payload in frames {
                        try perform(core.onWorker(worker, payload: payload, now: WallClock.nowMicros()))
                    }
                }
            }
            if ready.sockets[0] {
                if let counts = countedGuard?.counts { core.noteSecurity(refused: counts.refused, handshakeFailures: counts.handshakeFailures) }
                try readClients()
            }
            if let counts = countedGuard?.counts { core.noteDisconnects(counts.disconnects) }
            if let disconnects { core.noteDisconnects(disconnects.drain()) }
            if let admin, ready.sockets[workers.count + 1] {
                while let frames = try admin.receive() {
                    for payload in frames.dropFirst() where !payload.isEmpty {
                        let before = (core.stagedModel?.version, core.model.version), blocked = core.blockedItems.generation
                        let actions = core.onClient(routing: frames[0], payload: payload, now: WallClock.nowMicros(), admin: true)
                        // An admin rollback staged a version, or the blocklist changed: the sibling
                        // loops follow, before the admin hears it is done.
                        if let m = membership, before != (core.stagedModel?.version, core.model.version) {
                            m.siblings.broadcast(core.stagedModel ?? core.model, from: m.index)
                        }
                        if let m = membership, blocked != core.blockedItems.generation {
                            m.siblings.broadcast(blocklist: core.blockedItems.ids, from: m.index)
                        }
                        try perform(actions, clients: admin)
                    }
                }
            }
            try perform(core.onTick(now: WallClock.nowMicros()))
            try flush()
            telemetry.update(&core, droppedToShards: droppedToShards)
            let turnEnd = WallClock.nowMicros()
            if turnEnd >= readinessChecked + 20_000 || core.draining {
                readiness.set(problem: core.readinessProblem, part: membership?.index ?? 0)
                if let m = membership {
                    m.siblings.post(core.ownStatus(requestID: ""), from: m.index)
                    core.siblingStatus = m.siblings.others(than: m.index)
                }
                readinessChecked = turnEnd
            }
        }
        readiness.set(ready: false, reason: "stopped", part: membership?.index ?? 0)
        disconnects?.close()
        frontend.close()
        admin?.close()
        for s in workers { s.close() }
        if ownsGuard { securityGuard?.stop() }
    }

    /// Stages a model version (from a reload, or handed over by the first loop); the first of
    /// several loops hands it to the others.
    private func stage(_ next: RecommenderModel) {
        core.stage(next)
        if let m = membership, m.isFirst { m.siblings.broadcast(next, from: m.index) }
    }

    /// The guard whose process-wide counts this loop reports (the first loop of a group only, so
    /// merged statuses do not count them once per loop).
    private var countedGuard: SecurityGuard? { membership?.isFirst ?? true ? securityGuard : nil }

    private lazy var shedder = QueueShedder(target: core.configuration.queueTargetMicros)

    /// Reads at most a batch of client messages per turn (worker replies must not starve); refuses
    /// them undecoded while the queue stands too long (`QueueShedder`).
    private func readClients() throws(TransportError) {
        let shedding = shedder.beginTurn(now: WallClock.nowMicros())
        var read = 0
        while read < (shedding ? 4 * Self.batchLimit : Self.batchLimit), let frames = try frontend.receive() {
            read += 1
            // [routing, request, request, …]: empty frames (a REQ-style delimiter) are skipped; one
            // request is answered by one frame, several (a batch) by one message holding their
            // replies in the same order (protocols/README.md).
            let payloads = frames.dropFirst().filter { !$0.isEmpty }
            var batch: UInt64?
            if payloads.count > 1 {
                batchSequence += 1
                batch = batchSequence
                batches[batchSequence] = PendingBatch(routing: frames[0], replies: Array(repeating: nil, count: payloads.count))
            }
            // Counted before any is decoded: an oversized batch is refused whole, slot by slot.
            if let batch, payloads.count > core.configuration.limits.maxBatchRequests {
                try perform(core.refuseOversizedBatch(routing: frames[0], payloads: payloads, batch: batch))
                continue
            }
            // At most `batchFanoutLimit` sub-requests a message: a worker's frame-size cap must hold.
            flushAt = min(max(Self.batchLimit, payloads.count), Self.batchFanoutLimit)
            defer { flushAt = Self.batchLimit }
            for (index, payload) in payloads.enumerated() {
                let slot = batch.map { BatchSlot(batch: $0, index: index) }
                if shedding {
                    try perform([core.shed(routing: frames[0], payload: payload, batch: slot)])
                } else {
                    try perform(core.onClient(routing: frames[0], payload: payload, now: WallClock.nowMicros(), batch: slot))
                }
            }
        }
        shedder.endTurn(now: WallClock.nowMicros(), stillQueued: frontend.hasInput)
    }

    /// Re-reads the topology: shards added or removed at the end are resharded live
    /// (`CoordinatorCore+Growth`); anything else is refused with a log line.
    private func reload() {
        if let modelSource {
            let slot = loadedModel, log = logger
            let thread = Thread {
                do { slot.put(try modelSource()) } catch { log.error("reload: could not load the model: \(error)") }
            }
            thread.name = "reload-model"
            thread.start()
        }
        guard let topologySource else {
            logger.warning("reload requested, but the topology has no source (start the coordinator with --config)")
            return
        }
        do {
            let wanted = try topologySource()
            if wanted.count < endpoints.count, Array(endpoints.prefix(wanted.count)) == wanted {
                try core.beginShrink(to: wanted.count, now: WallClock.nowMicros())
                endpoints = wanted
                logger.notice("reload: removing the last shards once the others hold their clusters",
                              metadata: ["shards": "\(wanted.count)"])
                return
            }
            guard wanted.count >= endpoints.count, Array(wanted.prefix(endpoints.count)) == endpoints else {
                logger.error("reload refused: shards can only be added or removed at the end; the others must keep their endpoints")
                return
            }
            let added = Array(wanted.dropFirst(endpoints.count))
            guard !added.isEmpty else {
                logger.info("reload: topology unchanged")
                return
            }
            let indices = try core.beginGrowth(replicaCounts: added.map(\.count), now: WallClock.nowMicros())
            for (index, endpoint) in zip(indices, added.flatMap { $0 }) {
                guard index == workers.count else {
                    logger.critical("reload: worker numbering diverged (\(index) vs \(workers.count)); not connecting \(endpoint)")
                    return
                }
                let socket = try ZMQSocket(context: context, kind: .dealer, options: workerOptions)
                try socket.connect(endpoint)
                workers.append(socket)
                outbox.append([])
            }
            endpoints += added
            logger.notice("reload: connecting new shards", metadata: ["endpoints": "\(added)"])
        } catch {
            logger.error("reload failed: \(error)")
        }
    }

    private func flush() throws(TransportError) {
        // Failing over from an undeliverable worker can queue frames for others: go round until empty.
        while let worker = outbox.indices.first(where: { !outbox[$0].isEmpty }) { try flush(worker) }
    }

    private func flush(_ worker: Int) throws(TransportError) {
        let batch = outbox[worker]
        outbox[worker].removeAll(keepingCapacity: true)
        // A full queue means the worker is not reading: the batch is dropped and the core moves
        // its sub-requests to siblings (or the requests end at their deadline with coverage < 1).
        if !(try workers[worker].send(batch)) {
            droppedToShards += batch.count
            try perform(core.onUndeliverable(worker, now: WallClock.nowMicros()))
        }
    }

    /// Replies to clients go out on `clients` (the socket their frames came in on; the data socket
    /// unless given).
    private func perform(_ actions: [CoordinatorCore.Action], clients: ZMQSocket? = nil) throws(TransportError) {
        for action in actions {
            switch action {
            case let .toWorker(worker, payload):
                outbox[worker].append(payload)
                if outbox[worker].count >= flushAt { try flush(worker) }
            case let .toClient(routing, payload):
                do { try (clients ?? frontend).send([routing, payload]) } catch where error.isHostUnreachable {
                    continue // the client disconnected
                }
            case let .toBatchMember(slot, payload):
                guard var batch = batches[slot.batch], batch.replies.indices.contains(slot.index) else { continue }
                batch.replies[slot.index] = payload
                batch.remaining -= 1
                guard batch.remaining == 0 else {
                    batches[slot.batch] = batch
                    continue
                }
                batches[slot.batch] = nil
                do { try frontend.send([batch.routing] + batch.replies.map { $0 ?? [] }) } catch where error.isHostUnreachable {
                    continue
                }
            }
        }
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

/// A client batch's replies, gathered in the order of its requests.
struct PendingBatch {
    let routing: [UInt8]
    var replies: [[UInt8]?]
    var remaining: Int
    init(routing: [UInt8], replies: [[UInt8]?]) {
        self.routing = routing
        self.replies = replies
        remaining = replies.count
    }
}

/// Where a poll loop's client frames come from, and what it shares with sibling loops.
struct ClientSide {
    let context: ZMQContext
    let frontend: ZMQSocket
    let endpoint: String
    let securityGuard: SecurityGuard?
    let ownsGuard: Bool
    let disconnects: DisconnectCounter?
    let membership: LoopMembership?
}
