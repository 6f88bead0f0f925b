import RecTransport
import RecWire

extension ZMQSocket.Options {
    /// A client's DEALER: the CURVE client keys when `curve` is set, frames capped at the standard
    /// wire limits (`WireLimits.transportFrameBytes`).
    static func client(curve: CurveSettings?) throws(TransportError) -> ZMQSocket.Options {
        var o = try curve?.clientOptions() ?? ZMQSocket.Options()
        o.maxMessageBytes = WireLimits.standard.transportFrameBytes
        return o
    }
}
