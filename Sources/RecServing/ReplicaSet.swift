import RecWire

/// The workers that serve each shard, what the coordinator knows about their health, and which
/// one gets the next sub-request. Worker indices are global (all replicas of shard 0 first, then
/// shard 1, …). A pure value: the coordinator reports what it saw (frames heard, replies and their
/// latency, silence) with the time, and asks for a replica.
///
/// Choice: among replicas believed alive, the lowest expected wait — recent latency (an
/// exponentially weighted mean) × (1 + sub-requests in flight) — ties broken round-robin. When no
/// replica of a shard is believed alive, the one heard from most recently is tried anyway (a
/// heartbeat may be late; asking costs at most an attempt timeout).
public struct ReplicaSet: Sendable {
    /// workers[shard] = the worker indices serving that shard.
    public private(set) var workers: [[Int]]
    /// shardOfWorker[worker] = the shard that worker serves.
    public private(set) var shardOfWorker: [Int]
    public private(set) var inFlight: [Int]
    /// Believed alive: heard from within the heartbeat timeout (all start alive).
    public private(set) var alive: [Bool]
    /// When each worker was last heard from (any frame), µs.
    public private(set) var lastHeard: [WallInstant]
    /// Announced it is shutting down: gets no new work even while it still answers.
    public private(set) var draining: [Bool]
    /// Exponentially weighted mean reply latency per worker, µs (0 until the first reply).
    public private(set) var latency: [Double]
    private var cursor: [Int]
    /// Weight of the newest sample in the latency mean.
    public static let latencySmoothing = 0.2

    /// `replicas[s]` workers serve shard s (at least one each); `now` starts every worker's clock.
    public init(replicas: [Int], now: WallInstant = 0) {
        var workers: [[Int]] = []
        var shardOf: [Int] = []
        for (shard, count) in replicas.enumerated() {
            workers.append(Array(shardOf.count..<(shardOf.count + max(1, count))))
            shardOf += Array(repeating: shard, count: max(1, count))
        }
        self.workers = workers
        shardOfWorker = shardOf
        inFlight = Array(repeating: 0, count: shardOf.count)
        alive = Array(repeating: true, count: shardOf.count)
        draining = Array(repeating: false, count: shardOf.count)
        lastHeard = Array(repeating: now, count: shardOf.count)
        latency = Array(repeating: 0, count: shardOf.count)
        cursor = Array(repeating: 0, count: workers.count)
    }

    public var workerCount: Int { shardOfWorker.count }

    /// The replica of `shard` to ask next, skipping `excluded` ones; nil when none is left.
    public mutating func choose(shard: Int, excluding excluded: Set<Int> = []) -> Int? {
        guard workers.indices.contains(shard) else { return nil }
        let candidates = workers[shard].filter { !excluded.contains($0) }
        guard !candidates.isEmpty else { return nil }
        let living = candidates.filter { alive[$0] }
        let best: Int
        if living.isEmpty {
            best = candidates.max { lastHeard[$0] < lastHeard[$1] }!
        } else {
            let start = cursor[shard] % living.count
            var pick = living[start]
            for offset in 1..<living.count {
                let w = living[(start + offset) % living.count]
                if expectedWait(w) < expectedWait(pick) { pick = w }
            }
            best = pick
        }
        cursor[shard] &+= 1
        inFlight[best] += 1
        return best
    }

    /// Adds `count` workers for a new shard (appended, so existing indices keep their meaning);
    /// they get traffic only once `admit(shard:)` puts them in rotation. Returns their indices.
    public mutating func addWorkers(forShard shard: Int, count: Int, now: WallInstant) -> [Int] {
        let added = Array(shardOfWorker.count..<(shardOfWorker.count + max(1, count)))
        for _ in added {
            shardOfWorker.append(shard)
            inFlight.append(0); alive.append(true); draining.append(false); lastHeard.append(now); latency.append(0)
        }
        while cursor.count <= shard { cursor.append(0) }
        return added
    }

    /// Puts a new shard's workers in rotation (`workers[shard]`).
    public mutating func admit(shard: Int, workers added: [Int]) {
        while workers.count <= shard { workers.append([]) }
        workers[shard] = added
    }

    /// Expected wait at `worker`: its latency mean (1 µs before any sample) × (1 + in flight).
    func expectedWait(_ worker: Int) -> Double { max(1, latency[worker]) * Double(1 + inFlight[worker]) }

    /// A sub-request to `worker` ended (reply, error, deadline, or given up on).
    public mutating func finished(_ worker: Int) {
        if inFlight.indices.contains(worker), inFlight[worker] > 0 { inFlight[worker] -= 1 }
    }

    /// Any frame from `worker` at `now`: it is alive (unless it announced it is draining).
    public mutating func heard(_ worker: Int, now: WallInstant) {
        guard alive.indices.contains(worker) else { return }
        if !draining[worker] { alive[worker] = true }
        lastHeard[worker] = max(lastHeard[worker], now)
    }

    /// A heartbeat from `worker` said whether it is shutting down (a restarted process says not).
    public mutating func setDraining(_ worker: Int, _ value: Bool) {
        guard draining.indices.contains(worker) else { return }
        draining[worker] = value
        alive[worker] = !value
    }

    /// A reply from `worker` that took `micros`.
    public mutating func replied(_ worker: Int, micros: UInt64) {
        guard latency.indices.contains(worker) else { return }
        let sample = Double(micros)
        latency[worker] = latency[worker] == 0 ? sample : latency[worker] + Self.latencySmoothing * (sample - latency[worker])
    }

    /// Declares dead every live worker not heard from for `timeout` µs; returns them.
    public mutating func expireSilent(now: WallInstant, timeout: Duration) -> [Int] {
        var died: [Int] = []
        for w in alive.indices where alive[w] && now - lastHeard[w] > timeout {
            alive[w] = false
            died.append(w)
        }
        return died
    }

    /// Declares `worker` dead now (e.g. it cannot be sent to).
    public mutating func markDead(_ worker: Int) {
        if alive.indices.contains(worker) { alive[worker] = false }
    }
}
