import RecWire

/// Admission under overload, CoDel's idea applied to the coordinator's client queue: when the
/// queue has not been seen empty for longer than `target`, everything queued is refused (cheaply)
/// until it is empty again, so a request that is admitted never waits behind a standing queue.
/// A pure value: the poll loop reports each turn whether frames were still waiting.
public struct QueueShedder: Sendable, Equatable {
    public let target: Duration
    /// Since when the queue has not been seen empty (nil: it was empty after the last turn).
    public private(set) var backlogSince: WallInstant?
    public private(set) var shedding = false

    public init(target: Duration) { self.target = target }

    /// Before reading a turn's frames: whether to refuse them.
    public mutating func beginTurn(now: WallInstant) -> Bool {
        if !shedding, let since = backlogSince, now - since > target { shedding = true }
        return shedding
    }

    /// After reading: whether frames are still queued.
    public mutating func endTurn(now: WallInstant, stillQueued: Bool) {
        if stillQueued {
            if backlogSince == nil { backlogSince = now }
        } else {
            backlogSince = nil
            shedding = false
        }
    }
}
