#if canImport(Glibc)
    import Glibc
#endif

/// A point in wall-clock time, to the microsecond since the Unix epoch: the unit deadlines travel
/// in between processes (a monotonic clock is private to one process). Differences are `Duration`s.
public struct WallInstant: Comparable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var microsecondsSinceEpoch: UInt64

    public init(microsecondsSinceEpoch: UInt64) { self.microsecondsSinceEpoch = microsecondsSinceEpoch }
    public init(integerLiteral value: UInt64) { microsecondsSinceEpoch = value }

    /// The system's wall clock (CLOCK_REALTIME) now.
    public static func now() -> WallInstant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallInstant(microsecondsSinceEpoch: UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000)
    }

    public static func < (a: WallInstant, b: WallInstant) -> Bool { a.microsecondsSinceEpoch < b.microsecondsSinceEpoch }

    /// Later by `d` (earlier when negative), clamped to the representable range.
    public static func + (t: WallInstant, d: Duration) -> WallInstant {
        let micros = d.wholeMicroseconds
        if micros >= 0 {
            let (sum, overflow) = t.microsecondsSinceEpoch.addingReportingOverflow(UInt64(micros))
            return WallInstant(microsecondsSinceEpoch: overflow ? .max : sum)
        }
        let back = micros == .min ? UInt64.max : UInt64(-micros)
        return WallInstant(microsecondsSinceEpoch: t.microsecondsSinceEpoch > back ? t.microsecondsSinceEpoch - back : 0)
    }

    public static func += (t: inout WallInstant, d: Duration) { t = t + d }

    /// How long from `b` to `a` (negative when `a` is earlier).
    public static func - (a: WallInstant, b: WallInstant) -> Duration {
        a >= b
            ? .microseconds(Int64(clamping: a.microsecondsSinceEpoch - b.microsecondsSinceEpoch))
            : .microseconds(-Int64(clamping: b.microsecondsSinceEpoch - a.microsecondsSinceEpoch))
    }

    /// Whole microseconds from `earlier` to this instant; 0 when `earlier` is later (a measured
    /// span, as the wire's timing fields and the latency histograms count it).
    public func microseconds(since earlier: WallInstant) -> UInt64 {
        microsecondsSinceEpoch >= earlier.microsecondsSinceEpoch ? microsecondsSinceEpoch - earlier.microsecondsSinceEpoch : 0
    }

    public var description: String { "\(microsecondsSinceEpoch) µs" }
}

extension Duration {
    /// The duration in whole microseconds (truncated towards zero, clamped to Int64).
    public var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000).overflow
            ? (seconds < 0 ? .min : .max)
            : scaled + attoseconds / 1_000_000_000_000
    }

    /// Whole milliseconds, rounded up (what a poll timeout needs: never wake before the time).
    public var roundedUpMilliseconds: Int64 {
        let micros = wholeMicroseconds
        return micros <= 0 ? 0 : (micros / 1_000) + (micros % 1_000 == 0 ? 0 : 1)
    }
}
