import RecServing
import RecWire

/// The coordinators a worker has heard from, to tell them when it drains — bounded, so peers that
/// connect, send a frame and vanish (or a flood of them) cannot grow it without limit.
/// Keeps the `capacity` most recently heard; the least recent is evicted first. A plain value.
public struct RecentPeers: Sendable {
    public let capacity: Int
    private var lastSeen: [[UInt8]: WallInstant] = [:]

    public init(capacity: Int = 256) { self.capacity = max(1, capacity) }

    public var count: Int { lastSeen.count }
    /// Every peer kept, most recent first (ties: by identity bytes, so the order is deterministic).
    public var all: [[UInt8]] {
        lastSeen.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }.map(\.key)
    }

    public func contains(_ peer: [UInt8]) -> Bool { lastSeen[peer] != nil }

    /// Records a frame from `peer` at `now`; evicts the least recently heard peer when full.
    public mutating func saw(_ peer: [UInt8], at now: WallInstant) {
        if lastSeen[peer] == nil && lastSeen.count >= capacity,
            let oldest = lastSeen.min(by: { $0.value != $1.value ? $0.value < $1.value : $1.key.lexicographicallyPrecedes($0.key) })
        {
            lastSeen.removeValue(forKey: oldest.key)
        }
        lastSeen[peer] = now
    }
}
