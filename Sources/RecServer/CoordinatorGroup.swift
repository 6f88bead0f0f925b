import Foundation
import Logging
import RecInference
import RecServing
import RecTransport
import RecWire
import Synchronization

/// A coordinator process with one or more poll loops. With one (the default) it is a plain
/// `CoordinatorServer`. With N, libzmq's proxy (`ZMQProxy`, a C loop on its own thread) reads the
/// clients' ROUTER and spreads their frames round-robin over N loops behind an `inproc://` DEALER;
/// each loop runs its own `CoordinatorCore` (its own requests, timers and DEALERs to every worker)
/// on its own thread, sharing the model by reference, and its replies go back through the proxy
/// by their routing frame. Answers do not depend on the loop: each is exactly offline `recommend`'s.
/// The first loop owns what a process has once: the admin endpoint, model reloads (handed to the
/// others, so a version is loaded once and rolled out and back in every loop) and the security
/// counters; `status` from any loop answers for all (`StatusMerge`).
public final class CoordinatorGroup {
    public let endpoint: String
    public let adminEndpoint: String?
    public let readiness: Readiness
    let loops: [CoordinatorServer]
    private let proxy: ZMQProxy?
    private let securityGuard: SecurityGuard?

    /// The in-process endpoint the loops read client frames from.
    static let loopsEndpoint = "inproc://coordinator-loops"

    public init(
        threads: Int, model: RecommenderModel, workerEndpoints: [[String]], bind: String,
        configuration: CoordinatorCore.Configuration = .init(), security: CurveSettings? = nil,
        adminBind: String? = CoordinatorServer.defaultAdminBind,
        logger: Logger = Logger(label: "efficientrec.coordinator")
    ) throws {
        guard threads > 1 else {
            let server = try CoordinatorServer(
                model: model, workerEndpoints: workerEndpoints, bind: bind, configuration: configuration,
                security: security, adminBind: adminBind, logger: logger)
            loops = [server]
            endpoint = server.endpoint
            adminEndpoint = server.adminEndpoint
            readiness = server.readiness
            proxy = nil
            securityGuard = nil
            return
        }
        let context = try ZMQContext()
        let securityGuard = try security.map { s throws(TransportError) in
            try SecurityGuard(context: context, allowedClients: s.allowedClients, monitors: 2)
        }
        // The proxy cannot survive a send error, so its ROUTER drops replies to departed clients
        // silently instead of failing (ROUTER_MANDATORY off).
        let frontend = try CoordinatorServer.clientRouter(
            context: context, security: security, securityGuard: securityGuard,
            limits: configuration.limits, routerMandatory: false)
        try frontend.bind(bind)
        endpoint = try frontend.lastEndpoint()
        let disconnects = securityGuard == nil ? try DisconnectCounter(context: context, watching: frontend, name: "frontend") : nil
        let backend = try ZMQSocket(context: context, kind: .dealer, options: ZMQSocket.Options().cappingFrames(at: configuration.limits))
        try backend.bind(Self.loopsEndpoint)
        proxy = try ZMQProxy(context: context, frontend: frontend, backend: backend, name: "coordinator")
        let siblings = LoopSiblings(loops: threads)
        var loops: [CoordinatorServer] = []
        for index in 0..<threads {
            var options = ZMQSocket.Options().cappingFrames(at: configuration.limits)
            options.receiveHighWaterMark = CoordinatorServer.clientQueueLimit
            let socket = try ZMQSocket(context: context, kind: .dealer, options: options)
            try socket.connect(Self.loopsEndpoint)
            let clients = ClientSide(
                context: context, frontend: socket, endpoint: endpoint, securityGuard: securityGuard, ownsGuard: false,
                disconnects: index == 0 ? disconnects : nil,
                membership: LoopMembership(siblings: siblings, index: index))
            loops.append(
                try CoordinatorServer(
                    model: model, workerEndpoints: workerEndpoints, clients: clients, configuration: configuration,
                    security: security, adminBind: adminBind, logger: logger))
        }
        self.loops = loops
        adminEndpoint = loops[0].adminEndpoint
        for loop in loops.dropFirst() { loop.useAdminEndpoint(adminEndpoint) }
        readiness = siblings.readiness
        self.securityGuard = securityGuard
    }

    public var threads: Int { loops.count }

    /// Where a reload gets the topology (every loop re-reads it and connects new shards itself).
    public var topologySource: (@Sendable () throws -> [[String]])? {
        get { loops[0].topologySource }
        set { for loop in loops { loop.topologySource = newValue } }
    }

    /// Where a reload gets the model: the first loop loads it and hands it to the others.
    public var modelSource: (@Sendable () throws -> RecommenderModel)? {
        get { loops[0].modelSource }
        set { loops[0].modelSource = newValue }
    }

    /// Re-read the topology (and the model) on every loop's next turn (e.g. on SIGHUP).
    public func requestReload() {
        for loop in loops { loop.reloadRequested.trigger() }
    }

    /// Every loop's counters added up.
    public var statistics: CoordinatorStatistics {
        loops.dropFirst().reduce(into: loops[0].core.statistics) { total, loop in
            let s = loop.core.statistics
            total.requests += s.requests; total.errors += s.errors; total.degraded += s.degraded
        }
    }

    /// Serves until `stop` is set, then every loop drains; the proxy forwards their last replies
    /// and stops after them. The calling thread runs the first loop.
    public func run(until stop: StopFlag) throws {
        guard let proxy else { return try loops[0].run(until: stop) }
        let failures = FailureList()
        let proxyDone = DispatchSemaphore(value: 0)
        let proxyThread = Thread {
            do { try proxy.run() } catch { failures.add("proxy: \(error)") }
            proxyDone.signal()
        }
        proxyThread.name = "coordinator-proxy"
        proxyThread.start()
        let loopsDone = DispatchSemaphore(value: 0)
        for (index, loop) in loops.enumerated().dropFirst() {
            let handoff = ThreadHandoff(loop)
            let thread = Thread {
                do { try handoff.value.run(until: stop) } catch {
                    failures.add("poll loop \(index): \(error)")
                    stop.stop()  // one loop failing stops the process, as with a single loop
                }
                loopsDone.signal()
            }
            thread.name = "coordinator-\(index)"
            thread.start()
        }
        var firstFailure: Error?
        do { try loops[0].run(until: stop) } catch {
            firstFailure = error
            stop.stop()
        }
        for _ in loops.dropFirst() { loopsDone.wait() }
        try proxy.terminate()
        proxyDone.wait()
        securityGuard?.stop()
        if let firstFailure { throw firstFailure }
        if let failure = failures.first { throw GroupFailure(message: failure) }
    }

    struct GroupFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// Errors from the group's threads.
private final class FailureList: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ failure: String) { list.withLock { $0.append(failure) } }
    var first: String? { list.withLock { $0.first } }
}
