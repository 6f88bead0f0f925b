import HeapModule
import RecWire

/// The requests in flight, keyed by the coordinator's own sequence number (the integer sub-request
/// ID on the worker wire), and the timers that make it look at them again: each request's deadline
/// and its shards' failover/hedge checks. Requests are read and mutated where they lie (never
/// copied out and back, which had copied their dictionaries on write).
struct RequestTable {
    private(set) var pending: [UInt64: PendingRequest] = [:]
    private var timers = Heap<RequestTimer>()
    private var sequence: UInt64 = 0

    var count: Int { pending.count }
    var timerCount: Int { timers.count }
    var earliestTimer: WallInstant? { timers.min?.time }

    /// Adds a request under a fresh ID and sets its deadline timer.
    mutating func add(_ request: PendingRequest) -> UInt64 {
        sequence += 1
        pending[sequence] = request
        timers.insert(RequestTimer(time: request.deadline, request: sequence, shard: nil, serial: 0))
        return sequence
    }

    subscript(id: UInt64) -> PendingRequest? {
        get { pending[id] }
        _modify { yield &pending[id] }
    }

    /// In-place access to a request (nil when it has been answered).
    mutating func withRequest<R>(_ id: UInt64, _ body: (inout PendingRequest) -> R) -> R? {
        guard let index = pending.index(forKey: id) else { return nil }
        return body(&pending.values[index])
    }

    mutating func remove(_ id: UInt64) -> PendingRequest? {
        defer { compactTimersIfNeeded() }
        return pending.removeValue(forKey: id)
    }

    /// IDs of requests with `worker` outstanding at `shard`, in ID order.
    func waitingOn(worker: Int, shard: Int) -> [UInt64] {
        pending.filter { $0.value.attempts[shard]?.outstanding.contains(worker) == true }.keys.sorted()
    }

    mutating func schedule(_ timer: RequestTimer) { timers.insert(timer) }

    /// The earliest timer due at `now`, removed; nil when none is.
    mutating func popDue(now: WallInstant) -> RequestTimer? {
        guard let timer = timers.min, timer.time <= now else { return nil }
        return timers.popMin()
    }

    /// Timers of answered requests stay in the heap until they come due (a heap cannot remove from
    /// its middle); when they outnumber what the requests in flight can hold, the heap is rebuilt
    /// from the live ones. Amortised O(1) per request; the heap stays O(requests in flight).
    private mutating func compactTimersIfNeeded() {
        guard timers.count > Self.timerSlack + 8 * pending.count else { return }
        timers = Heap(timers.unordered.filter { pending[$0.request] != nil })
    }

    /// Timers allowed beyond eight per request in flight before the heap is compacted.
    static let timerSlack = 1_024
}
