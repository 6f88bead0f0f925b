import EfficientRecClient
import RecData
import RecServer
import RecTransport
import RecWire

/// `efficientrec bench`: closed-loop load against a coordinator; prints throughput and latency percentiles.
public struct BenchJob {
    public var coordinator: String
    public var histories: String
    public var concurrency: Int
    public var duration: Double
    public var k: Int
    public var security: CurveSettings?
    /// Open loop: requests per second, sent whatever the replies (`concurrency` caps the outstanding ones).
    public var rate: Double?
    /// Requests per message (a batch, answered by one message); throughput still counts requests.
    public var batchSize = 1
    /// A self-contained HTML page with the numbers and the latency distribution.
    public var report: String?

    public init(coordinator: String, histories: String, concurrency: Int, duration: Double, k: Int) {
        self.coordinator = coordinator
        self.histories = histories
        self.concurrency = concurrency
        self.duration = duration
        self.k = k
    }

    @discardableResult
    public func run() throws(AppError) -> LoadGenerator.Report {
        guard concurrency >= 1, concurrency <= 100_000 else { throw AppError("--concurrency must be between 1 and 100000") }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw AppError("--rate must be between 0 and 1000000 requests/s") }
        guard duration > 0, duration <= 3_600 else { throw AppError("--duration must be between 0 and 3600 seconds") }
        guard (1...1_000).contains(batchSize) else { throw AppError("--batch must be between 1 and 1000") }
        let log = try AppError.wrap { try InteractionLog.read(path: histories) }
        let requests = (0..<log.users.count).map { u -> RecommendRequest in
            let h = log.history(of: u)
            return RecommendRequest(requestID: "", itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings, k: UInt32(k))
        }
        guard !requests.isEmpty else { throw AppError("\(histories) has no users to send requests for") }
        let generator = try AppError.wrap { try LoadGenerator(coordinator: coordinator, security: security) }
        let reporter = ProgressReporter()
        let report = try AppError.wrap {
            try generator.run(
                requests: requests, concurrency: concurrency, duration: duration, rate: rate,
                batchSize: batchSize,
                progress: { seconds, sent in
                    reporter.update(
                        ProgressBar(
                            phase: "bench", done: Int(min(seconds, duration)), total: Int(duration.rounded(.up)), unit: "s",
                            rate: seconds > 0 ? Double(sent) / seconds : nil, rateUnit: "requests",
                            secondsLeft: max(0, duration - seconds)))
                })
        }
        reporter.finish()
        let heading =
            rate.map {
                "bench: open loop at \(Int($0)) requests/s (at most \(concurrency) outstanding), k \(k), \(requests.count) distinct histories"
            }
            ?? "bench: concurrency \(concurrency), k \(k), \(requests.count) distinct histories"
            + (batchSize > 1 ? ", \(batchSize) requests per message (batches)" : "")
        print(heading)
        print(report.description)
        for sample in report.errorSamples { print("  error: \(sample)") }
        if let path = self.report { try ReportPages.bench(report, heading: heading).write(to: path) }
        return report
    }
}

/// `efficientrec status`: the coordinator's counters, latency percentiles and shards.
public struct StatusJob {
    public var coordinator: String
    public var security: CurveSettings?
    public init(coordinator: String) { self.coordinator = coordinator }

    /// With a comma-separated list, each coordinator's status in turn (each keeps its own counters).
    public func run() throws(AppError) {
        try AdminEndpoints.each(coordinator) { (coordinator) throws(AppError) in
            let client = try AppError.wrap { try QueryClient(coordinator: coordinator, security: security) }
            let reply = try AppError.wrap { try client.send(.status(StatusRequest(requestID: "status")), id: "status", timeoutSeconds: 5) }
            guard case let .status(s) = reply else { throw AppError("unexpected reply to a status request: \(reply)") }
            print(
                "coordinator \(coordinator): model \(s.modelVersion), ready \(s.ready)"
                    + (s.blockedItems > 0 ? ", \(s.blockedItems) items blocked" : ""))
            print(
                "requests \(s.requests) (\(s.inFlight) in flight, admission limit \(s.admissionLimit)), errors \(s.errors), degraded \(s.degraded), complete \(s.completeReplies); "
                    + "latency p50 \(s.p50Micros) us, p90 \(s.p90Micros) us, p99 \(s.p99Micros) us")
            print(
                "retries \(s.retries), hedges \(s.hedges), failovers \(s.failovers), heartbeat misses \(s.heartbeatMisses), "
                    + "overloaded \(s.overloaded), low coverage \(s.lowCoverage), late replies \(s.lateReplies); "
                    + "CURVE refused \(s.authRefused), failed handshakes \(s.handshakeFailures), client connections lost \(s.clientDisconnects)")
            for shard in s.shards {
                print(
                    "shard \(shard.shard): model \(shard.modelVersion), \(shard.requests) sub-requests, "
                        + "latency p50 \(shard.p50Micros) us, p99 \(shard.p99Micros) us, replicas alive \(shard.replicasAlive)/\(shard.replicas)"
                        + (shard.alive ? "" : ", NOT ANSWERING"))
            }
        }
    }
}
