import RecWire

/// An adaptive limit on requests in flight that keeps admitted requests' latency under a target
/// (TCP's AIMD, as in Netflix's concurrency-limits and Envoy's adaptive concurrency, with an explicit
/// latency target as in Milvus's quotas). Time is cut into windows; at the end of a window in which
/// the limit was reached (a request was refused, or an admission filled it):
/// - more than `tolerance` of the requests finished in the window were slower than `target`: the
///   limit shrinks (multiplicative) by `target / mean latency`, kept between `strongestDecrease`
///   and `decrease` — a sudden overload is corrected in a window or two, a slight one gently —
///   and requests admitted before that change no longer count (they were admitted under the old
///   limit; one decrease per round trip);
/// - otherwise it grows by `increase` (additive).
/// When most of at least `minimumSamples` requests are already too slow, the window ends early.
/// A window in which the limit was not reached changes nothing: the limit is not what bounds the
/// load then, and slow requests have another cause (a replica that died and is being failed over
/// must not make the coordinator refuse work it has room for).
/// Beyond the limit a request is refused at once, so under overload latency stays bounded while
/// throughput settles near what the servers can do within the target. A pure value: the caller
/// passes the time.
public struct ConcurrencyLimit: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// The latency admitted requests should keep.
        public var target: Duration
        /// The share of a window's requests allowed above `target` (0.01: keep the p99).
        public var tolerance = 0.01
        public var minimum = 4
        public var maximum: Int
        public var window: Duration = .milliseconds(50)
        /// Fewer finished requests are too few to judge a percentile: such a window does not grow
        /// the limit (and, unless the limit was reached, goes on until it has that many).
        public var minimumSamples = 20
        /// The mildest and the strongest multiplicative decrease.
        public var decrease = 0.8
        public var strongestDecrease = 0.5
        public var increase = 1

        public init(target: Duration, maximum: Int) {
            self.target = target
            self.maximum = maximum
        }

        public func validationError() -> String? {
            if target <= .zero { return "the latency target must be positive" }
            if minimum < 1 || minimum > maximum { return "the concurrency limit's range is empty (\(minimum)...\(maximum))" }
            if !(0..<1).contains(tolerance) { return "the latency tolerance must be in [0, 1)" }
            if !(0.1..<1).contains(decrease) { return "the decrease factor must be in [0.1, 1)" }
            if !(0.1...decrease).contains(strongestDecrease) { return "the strongest decrease must be in [0.1, decrease]" }
            if window <= .zero { return "the window must be positive" }
            if increase < 1 { return "the increase must be at least 1" }
            return nil
        }
    }

    public let settings: Settings
    public private(set) var limit: Int
    private var windowStart: WallInstant
    /// Requests admitted before this time were admitted under an older, larger limit.
    private var changedAt: WallInstant
    private var samples = 0
    private var slow = 0
    private var latencySum: UInt64 = 0
    private var reached = false

    /// Starts at `initial` (clamped to the range): high enough for a normal load, low enough that a
    /// sudden overload is corrected within a few windows.
    public init(settings: Settings, initial: Int = 64, now: WallInstant) {
        self.settings = settings
        limit = min(max(initial, settings.minimum), settings.maximum)
        windowStart = now
        changedAt = now
    }

    /// A request was admitted and `inFlight` are now in flight (the caller checks `limit` first).
    public mutating func admitted(inFlight: Int) {
        if inFlight >= limit { reached = true }
    }

    private var targetMicros: UInt64 { UInt64(max(0, settings.target.wholeMicroseconds)) }

    /// A request was refused because `limit` were in flight.
    public mutating func noteRefusal() { reached = true }

    /// A request admitted at `started` finished at `now`.
    public mutating func record(started: WallInstant, now: WallInstant) {
        if started >= changedAt {
            let latency = now > started ? UInt64((now - started).wholeMicroseconds) : 0
            samples += 1
            latencySum &+= latency
            if latency > targetMicros { slow += 1 }
        }
        // A window ends after `window` — or at once when most of it is already too slow
        // (a sudden overload is cut within a round trip instead of a window).
        let windowOver = now >= windowStart + settings.window && (samples >= settings.minimumSamples || reached)
        let clearlyTooSlow = reached && slow >= settings.minimumSamples && 2 * slow > samples
        guard windowOver || clearlyTooSlow else { return }
        let tooSlow = samples > 0 && Double(slow) > settings.tolerance * Double(samples)
        if reached && tooSlow {
            let mean = Double(latencySum) / Double(samples)
            let factor = min(settings.decrease, max(settings.strongestDecrease, Double(targetMicros) / mean))
            let shrunk = Int((Double(limit) * factor).rounded(.down))
            limit = max(settings.minimum, min(shrunk, limit - 1))
            changedAt = now
        } else if reached && samples >= settings.minimumSamples {
            limit = min(settings.maximum, limit + settings.increase)
        }
        windowStart = now
        samples = 0
        slow = 0
        latencySum = 0
        reached = false
    }
}
