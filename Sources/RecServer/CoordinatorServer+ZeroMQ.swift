import Logging
import RecServing
import RecTransport
import RecWire

/// Everything a coordinator loop does I/O with: the client socket, the admin socket, how a worker
/// socket is made, the poller and the clock; with ZeroMQ also the security guard and the
/// connection counters, and the loop's siblings when a process runs several.
struct CoordinatorTransport {
    var frontend: any MessageSocket
    /// The client endpoint as bound (with the port the kernel picked).
    var endpoint: String
    var admin: (any MessageSocket)?
    var adminEndpoint: String?
    var connectWorker: (String) throws(TransportError) -> any MessageSocket
    var poller: any MessagePoller
    var clock: any ServingClock
    var securityGuard: SecurityGuard?
    /// Whether this loop stops the security guard when it ends (its group does otherwise).
    var ownsGuard = false
    /// Counts lost client connections when no security guard monitors the sockets.
    var disconnects: DisconnectCounter?
    /// Set when this is one of several poll loops of the process (`CoordinatorGroup`).
    var membership: LoopMembership?

    /// The ZeroMQ transport of one loop: the client side given, an admin ROUTER bound at
    /// `adminBind` by the first loop, DEALERs to the workers (CURVE clients with `security`).
    static func zeroMQ(
        clients: ClientSide, security: CurveSettings?, adminBind: String?, limits: WireLimits,
        logger: Logger
    ) throws -> CoordinatorTransport {
        let first = clients.membership?.isFirst ?? true
        var admin: ZMQSocket?, adminEndpoint: String?
        if let adminBind, first {
            let socket = try ZMQSocket(
                context: clients.context, kind: .router,
                options: (security?.serverOptions ?? ZMQSocket.Options()).cappingFrames(at: limits))
            if let securityGuard = clients.securityGuard { try securityGuard.guardSocket(socket, monitor: 1) }
            try socket.bind(adminBind)
            admin = socket
            adminEndpoint = try socket.lastEndpoint()
        }
        if security == nil && first {
            for (role, e) in [("data", clients.endpoint), ("admin", adminEndpoint)] where e.map({ !CoordinatorServer.isLoopback($0) }) ?? false {
                let text =
                    "the \(role) socket \(e!) is reachable beyond this host and unauthenticated: anyone who can reach it "
                    + "can send it requests; turn on CURVE (--curve-secret, --curve-clients) or bind to loopback"
                logger.warning("\(text)")
            }
        }
        let workerOptions = (try security?.clientOptions() ?? ZMQSocket.Options()).cappingFrames(at: limits)
        let context = clients.context
        return CoordinatorTransport(
            frontend: clients.frontend, endpoint: clients.endpoint, admin: admin, adminEndpoint: adminEndpoint,
            connectWorker: { endpoint throws(TransportError) in
                let socket = try ZMQSocket(context: context, kind: .dealer, options: workerOptions)
                try socket.connect(endpoint)
                return socket
            },
            poller: ZMQPoller(), clock: WallClock(), securityGuard: clients.securityGuard, ownsGuard: clients.ownsGuard,
            disconnects: clients.disconnects, membership: clients.membership)
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

    /// A single loop's own ROUTER bound at `bind`, in a context of its own.
    static func ownRouter(bind: String, security: CurveSettings?, limits: WireLimits) throws -> ClientSide {
        let context = try ZMQContext()
        let securityGuard = try security.map { s throws(TransportError) in
            try SecurityGuard(context: context, allowedClients: s.allowedClients, monitors: 2)
        }
        let frontend = try CoordinatorServer.clientRouter(context: context, security: security, securityGuard: securityGuard, limits: limits)
        try frontend.bind(bind)
        // inproc names belong to the context, which is this server's own.
        let disconnects = securityGuard == nil ? try DisconnectCounter(context: context, watching: frontend, name: "frontend") : nil
        return ClientSide(
            context: context, frontend: frontend, endpoint: try frontend.lastEndpoint(),
            securityGuard: securityGuard, ownsGuard: true, disconnects: disconnects, membership: nil)
    }
}

extension CoordinatorServer {
    /// The ROUTER clients connect to: CURVE-guarded when `security` is set, frames capped at the
    /// wire limits, a bounded queue per client connection.
    static func clientRouter(
        context: ZMQContext, security: CurveSettings?, securityGuard: SecurityGuard?,
        limits: WireLimits, routerMandatory: Bool = true
    ) throws(TransportError) -> ZMQSocket {
        var options = (security?.serverOptions ?? ZMQSocket.Options()).cappingFrames(at: limits)
        options.receiveHighWaterMark = clientQueueLimit
        options.routerMandatory = routerMandatory
        let socket = try ZMQSocket(context: context, kind: .router, options: options)
        if let securityGuard { try securityGuard.guardSocket(socket) }
        return socket
    }
}
