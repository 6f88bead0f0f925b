#if canImport(Glibc)
import Glibc
#endif
import RecServing

/// The system's wall clock (CLOCK_REALTIME), in microseconds since the Unix epoch: deadlines
/// travel between processes in this unit.
public struct WallClock: ServingClock {
    public init() {}

    public func now() -> WallInstant { WallInstant(microsecondsSinceEpoch: Self.nowMicros()) }

    public static func nowMicros() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
    }
}
