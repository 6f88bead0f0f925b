import RecTransport
import RecWire

extension ZMQSocket.Options {
    /// These options with the transport's frame-size cap for `limits` (`WireLimits.transportFrameBytes`).
    public func cappingFrames(at limits: WireLimits) -> ZMQSocket.Options {
        var o = self
        o.maxMessageBytes = limits.transportFrameBytes
        return o
    }
}
