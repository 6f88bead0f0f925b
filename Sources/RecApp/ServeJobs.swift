import Foundation
import Logging
import RecInference
import RecMath
import RecModelFile
import RecServer
import RecServing
import RecTransport
import RecVote

/// `efficientrec worker`: serve one shard's items until SIGINT/SIGTERM.
public struct WorkerJob {
    public var model: String
    public var shard: Int
    public var shards: Int
    public var bind: String
    /// CURVE: this worker's keys and the coordinator keys it admits.
    public var security: CurveSettings?
    /// The cluster config it was started from (SIGHUP re-reads its model path).
    public var configPath: String?
    /// host:port of the Prometheus /metrics endpoint (none when nil).
    public var metricsBind: String?

    public init(model: String, shard: Int, shards: Int, bind: String) {
        self.model = model
        self.shard = shard
        self.shards = shards
        self.bind = bind
    }

    public func run() throws(AppError) {
        guard (1...ShardMap.maximumShardCount).contains(shards) else {
            throw AppError("--shards must be between 1 and \(ShardMap.maximumShardCount)")
        }
        guard (0..<shards).contains(shard) else { throw AppError("--shard must be between 0 and \(shards - 1)") }
        // Only this shard's items are kept: no item IDs, features or encoder weights.
        let started = Date()
        let (shard, shards) = (self.shard, self.shards)
        let loaded = try AppError.wrap { try ModelFile.loadShard(path: model, shard: shard, shardCounts: [shards]) }
        let loadSeconds = Date().timeIntervalSince(started)
        BLAS.setThreads(1)  // per-request products are small: BLAS threads would only spin
        Observability.bootstrap()
        let logger = Logger(label: "efficientrec.worker")
        let server = try AppError.wrap {
            try ShardWorkerServer(model: loaded, shard: shard, shardCount: shards, bind: bind, security: security, logger: logger)
        }
        // The model file again: for shard counts it does not hold (resharding), and on SIGHUP for a
        // new version (the config's "model" when started from a config, else --model).
        let (modelPath, config) = (model, configPath)
        server.modelLoader = { counts in
            try ModelFile.loadShard(
                path: config.map { try ClusterConfig.load(path: $0).model ?? modelPath } ?? modelPath,
                shard: shard, shardCounts: counts)
        }
        let reload = server.reloadRequested
        SignalStop.on(SIGHUP) { reload.trigger() }
        announce("worker shard \(shard)/\(shards) listening on \(server.endpoint)")
        logger.info(
            "serving",
            metadata: [
                "shard": "\(shard)", "shards": "\(shards)", "model_version": "\(loaded.version)",
                "shortlist_entries": "\(server.core.heldEntries)",
                "curve": "\(security != nil)", "model_load_seconds": "\(String(format: "%.3f", loadSeconds))",
                "resident_bytes": "\(ProcessMemory.resident ?? -1)", "peak_resident_bytes": "\(ProcessMemory.peakResident ?? -1)"
            ])
        let handoff = ThreadHandoff(server)
        try ServingLifecycle.run(
            loop: .init(name: "worker-\(shard)", body: { stop in try handoff.value.run(until: stop) }),
            metricsBind: metricsBind, readiness: server.readiness, logger: logger)
        logger.info("stopped", metadata: ["shard": "\(shard)", "queries": "\(server.core.answered)"])
    }
}

/// `efficientrec coordinator`: encode users, fan out to the shard workers, merge, reply.
public struct CoordinatorJob {
    public var model: String
    /// workers[s] = the replicas of shard s.
    public var workers: [[String]]
    public var bind: String
    public var configuration = CoordinatorCore.Configuration()
    /// CURVE: the coordinator's keys, the client keys it admits, and the workers' public key.
    public var security: CurveSettings?
    /// host:port of the Prometheus /metrics endpoint (none when nil).
    public var metricsBind: String?
    /// The cluster config the workers came from: SIGHUP re-reads it and adds new shards live.
    public var configPath: String?

    /// Where rollback (an admin action) is accepted: loopback by default; nil for nowhere.
    public var adminBind: String? = CoordinatorServer.defaultAdminBind
    /// Poll loops (threads) serving clients, behind an in-process proxy when more than one
    /// (`CoordinatorGroup`).
    public var threads = 1
    public init(model: String, workers: [[String]], bind: String) {
        self.model = model
        self.workers = workers
        self.bind = bind
    }

    public func run() throws(AppError) {
        guard !workers.isEmpty, workers.allSatisfy({ !$0.isEmpty }) else {
            throw AppError("--workers needs at least one endpoint per shard")
        }
        let started = Date()
        let loaded = try AppError.wrap { try ModelFile.load(path: model) }
        let loadSeconds = Date().timeIntervalSince(started)
        guard ItemShard.isExact(loaded.configuration, shardCount: workers.count) else {
            throw AppError(ShardModel.Problem.inexact(shardCount: workers.count).description)
        }
        BLAS.setThreads(1)  // per-request products are small: BLAS threads would only spin
        Observability.bootstrap()
        let logger = Logger(label: "efficientrec.coordinator")
        guard (1...64).contains(threads) else { throw AppError("--threads must be between 1 and 64") }
        let server = try AppError.wrap {
            try CoordinatorGroup(
                threads: threads, model: loaded, workerEndpoints: workers, bind: bind, configuration: configuration,
                security: security, adminBind: adminBind, logger: logger)
        }
        if let configPath {
            server.topologySource = { try ClusterConfig.load(path: configPath).shards.map(\.replicas) }
            let fallback = model
            server.modelSource = { try ModelFile.load(path: ClusterConfig.load(path: configPath).model ?? fallback) }
            let reloader = ThreadHandoff(server)
            SignalStop.on(SIGHUP) { reloader.value.requestReload() }
        }
        if let admin = server.adminEndpoint { announce("coordinator admin endpoint on \(admin)") }
        announce("coordinator listening on \(server.endpoint)")
        logger.info(
            "serving",
            metadata: [
                "model_version": "\(loaded.version)", "shards": "\(workers.count)", "curve": "\(security != nil)", "threads": "\(threads)",
                "items": "\(loaded.items.count)", "model_load_seconds": "\(String(format: "%.3f", loadSeconds))",
                "resident_bytes": "\(ProcessMemory.resident ?? -1)", "peak_resident_bytes": "\(ProcessMemory.peakResident ?? -1)",
                "workers": "\(workers.enumerated().map { "shard \($0.offset) = \($0.element.joined(separator: " | "))" }.joined(separator: ", "))"
            ])
        let handoff = ThreadHandoff(server)
        try ServingLifecycle.run(
            loop: .init(name: "coordinator", body: { stop in try handoff.value.run(until: stop) }),
            metricsBind: metricsBind, readiness: server.readiness, logger: logger)
        let s = server.statistics
        logger.info("stopped", metadata: ["requests": "\(s.requests)", "errors": "\(s.errors)", "degraded": "\(s.degraded)"])
    }
}
