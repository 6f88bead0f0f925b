/// A token bucket that bounds speculative (hedged) sub-requests to a fraction of the primary ones,
/// so that a slow or failing replica cannot multiply the load: every primary sub-request earns
/// `ratio` of a token (up to `burst` tokens, which is also where it starts); a hedge spends one.
public struct HedgeBudget: Sendable, Equatable {
    public let ratio: Double
    public let burst: Double
    public private(set) var tokens: Double

    public init(ratio: Double, burst: Double = 10) {
        self.ratio = max(0, ratio)
        self.burst = max(1, burst)
        tokens = self.burst
    }

    public mutating func earn() { tokens = min(burst, tokens + ratio) }

    /// Spends a token when there is one.
    public mutating func spend() -> Bool {
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
