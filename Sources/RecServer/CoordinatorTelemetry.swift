import Logging
import Metrics
import RecServing
import RecWire

/// Turns the coordinator's counters and events into swift-metrics measurements and swift-log
/// lines (with request IDs). Called by the poll loop once per turn; cheap when nothing happened.
/// Whatever metrics backend is bootstrapped (Prometheus in the app) receives them.
final class CoordinatorTelemetry {
    private let logger: Logger
    private let requestDuration = Metrics.Timer(label: "efficientrec_request_duration")
    private let coverage = Recorder(label: "efficientrec_reply_coverage", aggregate: true)
    private let inFlight = Gauge(label: "efficientrec_requests_in_flight")
    private let admissionLimit = Gauge(label: "efficientrec_admission_limit")
    private var shardDuration: [Metrics.Timer]
    private var replicasAlive: [Gauge]
    private var counters: [(Counter, KeyPath<CoordinatorStatistics, UInt64>)] = []
    private var last: [UInt64]
    private var droppedReported = 0

    init(core: CoordinatorCore, logger: Logger) {
        self.logger = logger
        let shards = core.shardMap.shardCount
        shardDuration = (0..<shards).map { Metrics.Timer(label: "efficientrec_shard_reply_duration", dimensions: [("shard", "\($0)")]) }
        replicasAlive = (0..<shards).map { Gauge(label: "efficientrec_shard_replicas_alive", dimensions: [("shard", "\($0)")]) }
        Gauge(label: "efficientrec_model_info", dimensions: [("model_version", core.model.version)]).record(1)
        let names: [(String, KeyPath<CoordinatorStatistics, UInt64>)] = [
            ("efficientrec_requests_total", \.requests), ("efficientrec_errors_total", \.errors),
            ("efficientrec_partial_replies_total", \.degraded), ("efficientrec_retries_total", \.retries),
            ("efficientrec_hedges_total", \.hedges), ("efficientrec_hedges_denied_total", \.hedgesDenied),
            ("efficientrec_failovers_total", \.failovers), ("efficientrec_heartbeat_misses_total", \.heartbeatMisses),
            ("efficientrec_overloaded_total", \.overloaded), ("efficientrec_shed_total", \.shed),
            ("efficientrec_admin_refused_total", \.refusedAdmin),
            ("efficientrec_client_disconnects_total", \.clientDisconnects), ("efficientrec_low_coverage_total", \.lowCoverage),
            ("efficientrec_late_replies_total", \.lateReplies), ("efficientrec_malformed_worker_frames_total", \.malformedWorkerFrames),
            ("efficientrec_undeliverable_total", \.undeliverable), ("efficientrec_auth_refused_total", \.authRefused),
            ("efficientrec_handshake_failures_total", \.handshakeFailures)
        ]
        counters = names.map { (Counter(label: $0.0), $0.1) }
        last = Array(repeating: 0, count: counters.count)
    }

    /// Records what the core measured since the last turn; `droppedToShards` counts sub-requests
    /// the sockets could not queue.
    func update(_ core: inout CoordinatorCore, droppedToShards: Int) {
        let events = core.takeEvents()
        for c in events.completed {
            requestDuration.recordMicroseconds(Int64(min(c.micros, UInt64(Int64.max))))
            coverage.record(c.coverage)
        }
        while shardDuration.count < core.replicas.workers.count || shardDuration.count < core.statistics.shards.count {
            let shard = shardDuration.count
            shardDuration.append(Metrics.Timer(label: "efficientrec_shard_reply_duration", dimensions: [("shard", "\(shard)")]))
            replicasAlive.append(Gauge(label: "efficientrec_shard_replicas_alive", dimensions: [("shard", "\(shard)")]))
        }
        for r in events.shardReplies where shardDuration.indices.contains(r.shard) {
            shardDuration[r.shard].recordMicroseconds(Int64(min(r.micros, UInt64(Int64.max))))
        }
        for notice in events.notices { log(notice) }
        let statistics = core.statistics
        for (k, (counter, path)) in counters.enumerated() {
            let now = statistics[keyPath: path]
            if now > last[k] { counter.increment(by: Int64(now - last[k])) }
            last[k] = now
        }
        if droppedToShards > droppedReported {
            Counter(label: "efficientrec_dropped_messages_total").increment(by: Int64(droppedToShards - droppedReported))
            droppedReported = droppedToShards
        }
        inFlight.record(core.inFlight)
        admissionLimit.record(core.admissionLimit)
        for (shard, gauge) in replicasAlive.enumerated() where core.replicas.workers.indices.contains(shard) {
            gauge.record(core.replicas.workers[shard].filter { core.replicas.alive[$0] }.count)
        }
    }

    private func log(_ notice: CoordinatorEvents.Notice) {
        switch notice {
        case let .degraded(id, coverage, reasons):
            logger.info(
                "partial reply", metadata: ["request_id": "\(id)", "coverage": "\(coverage)", "reasons": "\(reasons.joined(separator: "; "))"])
        case let .rejected(id, code, message):
            logger.debug("request refused", metadata: ["request_id": "\(id)", "code": "\(code)", "message": "\(message)"])
        case let .workerDown(worker, shard, reason):
            logger.warning("worker out of rotation", metadata: ["worker": "\(worker)", "shard": "\(shard)", "reason": "\(reason)"])
        case let .workerUp(worker, shard):
            logger.info("worker back in rotation", metadata: ["worker": "\(worker)", "shard": "\(shard)"])
        case let .growing(from, to):
            logger.notice(
                "resharding: waiting until every shard has a worker holding its items under the target count",
                metadata: ["from": "\(from)", "to": "\(to)"])
        case let .staging(version):
            logger.notice("model staged: waiting until every shard has a worker holding it", metadata: ["model_version": "\(version)"])
        case let .stagingRefused(version, reason):
            logger.error("model not staged", metadata: ["model_version": "\(version)", "reason": "\(reason)"])
        case let .modelSwitched(from, to):
            Gauge(label: "efficientrec_model_info", dimensions: [("model_version", from)]).record(0)
            Gauge(label: "efficientrec_model_info", dimensions: [("model_version", to)]).record(1)
            logger.notice("model switched: new requests use the new version", metadata: ["from": "\(from)", "to": "\(to)"])
        case let .resharded(from, to):
            logger.notice("resharded: new requests use the target shard count", metadata: ["from": "\(from)", "to": "\(to)"])
        case let .blocklistChanged(items):
            Gauge(label: "efficientrec_blocked_items").record(items)
            logger.notice("blocklist changed: no answer holds these items from now on", metadata: ["blocked_items": "\(items)"])
        }
    }
}
