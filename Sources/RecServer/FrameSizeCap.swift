import RecTransport
import RecWire

/// The largest frame the transport accepts: twice the wire limit. A frame up to the wire limit is
/// decoded; one between the two is refused with an error that carries its request ID (read
/// without decoding); anything larger makes libzmq drop the peer's connection before the frame is
/// buffered (ZMQ_MAXMSGSIZE), so no peer can make a process hold more than this per frame.
public enum FrameSizeCap {
    public static func bytes(for limits: WireLimits) -> Int64 { 2 * Int64(limits.maxMessageBytes) }
}

extension ZMQSocket.Options {
    /// These options with the frame-size cap of `limits`.
    public func cappingFrames(at limits: WireLimits) -> ZMQSocket.Options {
        var o = self
        o.maxMessageBytes = FrameSizeCap.bytes(for: limits)
        return o
    }
}
