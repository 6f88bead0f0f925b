import RecServing
import RecTransport
import RecWire

/// What a worker's loop does I/O with: its socket (and the endpoint it is bound at), the poller,
/// the clock and, with CURVE, the security guard.
struct WorkerTransport {
    var socket: any MessageSocket
    var endpoint: String
    var poller: any MessagePoller
    var clock: any ServingClock
    var securityGuard: SecurityGuard?

    /// A ROUTER bound at `bind` in a context of its own, frames capped at the wire limits; with
    /// `security`, only coordinators presenting a listed CURVE key get through.
    static func zeroMQ(bind: String, security: CurveSettings?) throws(TransportError) -> WorkerTransport {
        let context = try ZMQContext()
        let socket: ZMQSocket
        var securityGuard: SecurityGuard?
        if let security {
            let guardian = try SecurityGuard(context: context, allowedClients: security.allowedClients)
            securityGuard = guardian
            socket = try ZMQSocket(context: context, kind: .router, options: security.serverOptions.cappingFrames(at: .standard))
            try guardian.guardSocket(socket)
        } else {
            socket = try ZMQSocket(context: context, kind: .router, options: ZMQSocket.Options().cappingFrames(at: .standard))
        }
        try socket.bind(bind)
        return WorkerTransport(
            socket: socket, endpoint: try socket.lastEndpoint(), poller: ZMQPoller(), clock: WallClock(),
            securityGuard: securityGuard)
    }
}
