import RecVote
import RecWire

extension CoordinatorCore {
    /// Everything an operator tunes about the coordinator's request handling.
    public struct Configuration: Sendable, Equatable {
        /// Deadline for requests that do not carry one.
        public var defaultDeadline: Duration = .milliseconds(500)
        /// The latest deadline a client may ask for, from the request's arrival: a far-future
        /// deadline is clamped to it, so a request whose replies are lost holds its admission slot
        /// (and its timers) for at most this long.
        public var maxDeadline: Duration = .seconds(5)
        public var maxK = 1_000
        public var limits = WireLimits.standard
        /// Requests in flight beyond which a new one gets a fast `overloaded` error (the hard cap;
        /// the adaptive limit below stays under it).
        public var maxInFlight = 4_096
        /// The latency admitted requests should keep under overload: the admission limit adapts so
        /// that at most 1 % of them take longer (`ConcurrencyLimit`); nil turns adaptation off and
        /// only `maxInFlight` bounds the requests in flight.
        public var latencyTarget: Duration? = .milliseconds(25)
        /// Queueing delay target: when the client queue has not been empty for this long, what is
        /// queued is refused as `overloaded` (cheaply, without decoding), so admitted requests do
        /// not wait behind a standing queue (CoDel's idea).
        public var queueTarget: Duration = .milliseconds(10)
        /// A reply whose coverage would be below this becomes a `low coverage` error (0: always
        /// answer with what arrived).
        public var minCoverage = 0.0
        /// How often each worker gets a heartbeat, and the silence after which it is declared dead.
        public var heartbeatInterval: Duration = .milliseconds(100)
        public var heartbeatTimeout: Duration = .milliseconds(350)
        /// A sub-request unanswered this long is also sent to a sibling replica (failover on a
        /// missed reply; the first answer wins). Not budgeted: it is how a dead replica is survived.
        public var attemptTimeout: Duration = .milliseconds(50)
        /// Speculative backup sub-requests (off unless set).
        public var hedging: Hedging?

        public struct Hedging: Sendable, Equatable {
            /// Send the backup once the shard's latency percentile has passed (e.g. 0.95) …
            public var percentile = 0.95
            /// … but never sooner or later than these.
            public var minDelay: Duration = .milliseconds(1)
            public var maxDelay: Duration = .milliseconds(50)
            /// Hedges allowed per primary sub-request, over time (a token bucket).
            public var budgetRatio = 0.05
            public init() {}
        }

        public init() {}

        /// The adaptive admission limit's settings, when adaptation is on.
        public var admissionSettings: ConcurrencyLimit.Settings? {
            guard let target = latencyTarget else { return nil }
            var settings = ConcurrencyLimit.Settings(target: target, maximum: maxInFlight)
            settings.minimum = min(settings.minimum, maxInFlight)
            return settings
        }

        /// A description of the first setting out of range, or nil.
        public func validationError() -> String? {
            if defaultDeadline <= .zero { return "the default deadline must be positive" }
            if maxDeadline < defaultDeadline { return "the longest deadline must be at least the default deadline" }
            if maxK < 1 { return "the largest k must be at least 1" }
            if maxInFlight < 1 { return "max in flight must be at least 1" }
            if let t = latencyTarget, t <= .zero { return "the latency target must be positive" }
            if queueTarget <= .zero { return "the queue target must be positive" }
            if !(0...1).contains(minCoverage) { return "min coverage must be between 0 and 1" }
            if heartbeatInterval <= .zero { return "the heartbeat interval must be positive" }
            if heartbeatTimeout <= heartbeatInterval { return "the heartbeat timeout must be longer than the interval" }
            if attemptTimeout <= .zero { return "the attempt timeout must be positive" }
            if let h = hedging {
                if !(0.5...1).contains(h.percentile) { return "the hedging percentile must be between 0.5 and 1" }
                if h.minDelay > h.maxDelay { return "the hedging min delay exceeds its max delay" }
                if !(0...1).contains(h.budgetRatio) { return "the hedging budget must be between 0 and 1" }
            }
            return nil
        }
    }
}
