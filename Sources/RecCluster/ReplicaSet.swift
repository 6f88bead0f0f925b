/// The workers that serve each shard, and which one gets the next sub-request: the replica with
/// the fewest sub-requests in flight, ties broken round-robin. Worker indices are global (all
/// replicas of shard 0 first, then shard 1, …).
public struct ReplicaSet: Sendable {
    /// workers[shard] = the worker indices serving that shard.
    public let workers: [[Int]]
    /// shardOfWorker[worker] = the shard that worker serves.
    public let shardOfWorker: [Int]
    public private(set) var inFlight: [Int]
    private var cursor: [Int]

    /// `replicas[s]` workers serve shard s (at least one each).
    public init(replicas: [Int]) {
        var workers: [[Int]] = []
        var shardOf: [Int] = []
        for (shard, count) in replicas.enumerated() {
            workers.append(Array(shardOf.count..<(shardOf.count + max(1, count))))
            shardOf += Array(repeating: shard, count: max(1, count))
        }
        self.workers = workers
        shardOfWorker = shardOf
        inFlight = Array(repeating: 0, count: shardOf.count)
        cursor = Array(repeating: 0, count: workers.count)
    }

    public var workerCount: Int { shardOfWorker.count }

    /// The replica of `shard` to ask next, skipping `excluded` ones; nil when none is left.
    public mutating func choose(shard: Int, excluding excluded: Set<Int> = []) -> Int? {
        let candidates = workers[shard].filter { !excluded.contains($0) }
        guard !candidates.isEmpty else { return nil }
        let start = cursor[shard] % candidates.count
        var best = candidates[start]
        for offset in 1..<candidates.count {
            let w = candidates[(start + offset) % candidates.count]
            if inFlight[w] < inFlight[best] { best = w }
        }
        cursor[shard] += 1
        inFlight[best] += 1
        return best
    }

    /// A sub-request to `worker` ended (reply, error or deadline).
    public mutating func finished(_ worker: Int) {
        if inFlight.indices.contains(worker), inFlight[worker] > 0 { inFlight[worker] -= 1 }
    }
}
