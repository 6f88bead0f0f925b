/// One process's CURVE material: its own key pair, who may connect to the socket it binds, and
/// the public key of the servers it connects to (coordinator → workers, client → coordinator).
public struct CurveSettings: Sendable, Equatable {
    public var keys: CurveKeyPair
    /// Z85 public keys admitted by this process's ZAP handler (empty: it binds nothing secured).
    public var allowedClients: Set<String>
    /// The public key its peers prove they hold when this process connects to them.
    public var serverKey: String?

    public init(keys: CurveKeyPair, allowedClients: Set<String> = [], serverKey: String? = nil) {
        self.keys = keys
        self.allowedClients = allowedClients
        self.serverKey = serverKey
    }

    /// Options for a socket this process binds.
    public var serverOptions: ZMQSocket.Options {
        var o = ZMQSocket.Options()
        o.curve = .server(keys: keys)
        return o
    }

    /// Options for a socket this process connects (requires `serverKey`).
    public func clientOptions(_ base: ZMQSocket.Options = .init()) throws(TransportError) -> ZMQSocket.Options {
        guard let serverKey else {
            throw TransportError(operation: "CURVE", code: 22, message: "no server public key to connect with")
        }
        var o = base
        o.curve = .client(keys: keys, serverKey: serverKey)
        return o
    }
}
