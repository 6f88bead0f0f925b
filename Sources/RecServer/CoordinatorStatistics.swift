/// Counters and a bounded window of recent latencies for `status`.
public struct CoordinatorStatistics: Sendable {
    public var requests: UInt64 = 0
    public var errors: UInt64 = 0
    public var degraded: UInt64 = 0
    public var lateReplies: UInt64 = 0
    public var malformedWorkerFrames: UInt64 = 0
    private var recent: [UInt32] = []
    private var cursor = 0
    static let window = 8_192

    public mutating func record(latencyMicros: UInt64) {
        let v = UInt32(min(latencyMicros, UInt64(UInt32.max)))
        if recent.count < Self.window { recent.append(v) } else { recent[cursor] = v; cursor = (cursor + 1) % Self.window }
    }

    /// Percentiles (0…1) of the recent window; zeros when empty.
    public func percentiles(_ qs: [Double]) -> [UInt32] {
        guard !recent.isEmpty else { return qs.map { _ in 0 } }
        let sorted = recent.sorted()
        return qs.map { sorted[min(sorted.count - 1, Int(($0 * Double(sorted.count)).rounded(.up)) - 1 < 0 ? 0 : Int(($0 * Double(sorted.count)).rounded(.up)) - 1)] }
    }
}
