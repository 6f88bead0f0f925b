#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock microseconds since the Unix epoch (deadlines travel between processes in this unit).
public enum WallClock {
    public static func nowMicros() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
    }
}
