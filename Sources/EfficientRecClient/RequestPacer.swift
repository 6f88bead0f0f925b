import RecWire

/// Paces a client's bulk requests to what the coordinator admits, so that a bulk job (`query
/// --histories`, the Python client's `--histories`) finishes completely instead of losing the
/// requests the coordinator refused as `overloaded`.
///
/// - At most `window` requests are outstanding. The window starts at `initialWindow` and follows
///   TCP's AIMD: each answer grows it by 1/window (about one request per round trip), each refusal
///   halves it — once per round trip: refusals of requests sent before the last decrease do not
///   count again, so one refused batch of 64 halves it once, not 64 times.
/// - A refused request goes back to the queue after an exponential backoff with jitter
///   (`minBackoff` · 2^(refusals − 1), at most `maxBackoff`, times a jitter in
///   [0.5, 1)), ahead of requests never sent, so answers come back roughly in order.
///
/// A pure value: the caller passes the time and the jitter, and sends what `next` returns.
public struct RequestPacer: Sendable {
    public struct Settings: Sendable, Equatable {
        public var initialWindow: Int
        public var maxWindow: Int
        public var minBackoff: Duration = .milliseconds(5)
        public var maxBackoff: Duration = .milliseconds(500)

        public init(initialWindow: Int, maxWindow: Int) {
            self.initialWindow = max(1, initialWindow)
            self.maxWindow = max(self.initialWindow, maxWindow)
        }
    }

    private enum State: Sendable, Equatable {
        case queued
        case outstanding(sentAt: UInt64)
        case backingOff, done
    }

    public let settings: Settings
    public private(set) var window: Double
    public private(set) var outstanding = 0
    public private(set) var refusals = 0
    private var states: [State]
    private var refusalsOf: [Int]
    /// Requests waiting to be sent again, with the time they may go.
    private var backingOff: [(due: WallInstant, index: Int)] = []
    /// Requests never sent, in order.
    private var nextFresh = 0
    /// Requests whose backoff is over, in the order they became due.
    private var retryable: [Int] = []
    /// A send counter: a refusal of a request sent at or before `lastDecrease` does not shrink the window again.
    private var sends: UInt64 = 0
    private var lastDecrease: UInt64 = 0
    private var remaining: Int

    public init(count: Int, settings: Settings) {
        self.settings = settings
        window = Double(settings.initialWindow)
        states = Array(repeating: .queued, count: max(0, count))
        refusalsOf = Array(repeating: 0, count: max(0, count))
        remaining = max(0, count)
    }

    /// Every request has its final reply.
    public var isFinished: Bool { remaining == 0 }

    /// The earliest time a backed-off request may go again.
    public var nextDue: WallInstant? { backingOff.lazy.map(\.due).min() }

    /// Up to `maxBatch` requests to send now (retries first), marked outstanding; empty when the
    /// window is full or nothing is ready.
    public mutating func next(now: WallInstant, maxBatch: Int) -> [Int] {
        if !backingOff.isEmpty {
            let due = backingOff.filter { $0.due <= now }.sorted { ($0.due, $0.index) < ($1.due, $1.index) }
            if !due.isEmpty {
                retryable.append(contentsOf: due.map(\.index))
                backingOff.removeAll { $0.due <= now }
            }
        }
        let room = min(max(0, maxBatch), Int(window.rounded(.down)) - outstanding)
        guard room > 0 else { return [] }
        var batch: [Int] = []
        batch.reserveCapacity(room)
        while batch.count < room, !retryable.isEmpty { batch.append(retryable.removeFirst()) }
        while batch.count < room, nextFresh < states.count {
            batch.append(nextFresh)
            nextFresh += 1
        }
        for i in batch {
            sends += 1
            states[i] = .outstanding(sentAt: sends)
        }
        outstanding += batch.count
        return batch
    }

    /// `indices` (from `next`) could not be sent (the socket was full): they go first next time.
    public mutating func unsent(_ indices: [Int]) {
        for i in indices where states[i] != .queued && states[i] != .done {
            states[i] = .queued
            outstanding -= 1
        }
        retryable.insert(contentsOf: indices, at: 0)
    }

    /// Request `index` got its final reply (an answer, or an error not worth retrying). Returns
    /// false for a reply to a request that is not outstanding (a duplicate): ignore it.
    @discardableResult
    public mutating func answered(_ index: Int) -> Bool {
        guard states.indices.contains(index), case .outstanding = states[index] else { return false }
        states[index] = .done
        outstanding -= 1
        remaining -= 1
        window = min(Double(settings.maxWindow), window + 1 / window)
        return true
    }

    /// Request `index` was refused as overloaded at `now`; `jitter` in [0, 1) spreads the retries.
    /// Returns false for a request that is not outstanding.
    @discardableResult
    public mutating func refused(_ index: Int, now: WallInstant, jitter: Double) -> Bool {
        guard states.indices.contains(index), case let .outstanding(sentAt) = states[index] else { return false }
        outstanding -= 1
        refusals += 1
        refusalsOf[index] += 1
        if sentAt > lastDecrease {
            window = max(1, window / 2)
            lastDecrease = sends
        }
        let doublings = UInt64(min(refusalsOf[index] - 1, 20))
        let shortest = UInt64(max(0, settings.minBackoff.wholeMicroseconds)), longest = UInt64(max(0, settings.maxBackoff.wholeMicroseconds))
        let backoff = min(longest, shortest << doublings)
        let spread = 0.5 + 0.5 * min(max(jitter, 0), 1)
        states[index] = .backingOff
        backingOff.append((now + .microseconds(Int64(Double(backoff) * spread)), index))
        return true
    }
}
