import RecServing
import RecWire

/// The system's wall clock (CLOCK_REALTIME), in microseconds since the Unix epoch: deadlines
/// travel between processes in this unit.
public struct WallClock: ServingClock {
    public init() {}

    public func now() -> WallInstant { WallInstant.now() }

    public static func nowMicros() -> UInt64 { WallInstant.now().microsecondsSinceEpoch }
}
