import ArgumentParser
import RecApp
import RecBench

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the shortlists of one shard over ZeroMQ (ROUTER).",
        discussion: "Either --shards and --bind, or --config with this worker's --shard and --replica.")
    @Option(help: "Model file (default: the config's).") var model: String?
    @Option(help: "This worker's shard index (0-based).") var shard: Int
    @Option(help: "Number of shards.") var shards: Int?
    @Option(help: "Endpoint to bind, e.g. tcp://127.0.0.1:5601 (port * lets the kernel choose).") var bind: String?
    @Option(help: "Cluster config file (JSON); gives the shard count and this worker's endpoint.") var config: String?
    @Option(help: "With --config: which replica of the shard this worker is.") var replica = 0
    @OptionGroup var curve: ServerCurveOptions
    @Option(help: "Serve Prometheus metrics and /healthz over HTTP on host:port (off the data path).") var metricsBind: String?

    func validate() throws {
        if config == nil {
            guard let shards, bind != nil, model != nil else { throw ValidationError("give --model, --shards and --bind, or --config") }
            guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
            guard (0..<shards).contains(shard) else { throw ValidationError("--shard must be between 0 and \(shards - 1)") }
        }
    }

    func run() throws {
        try runJob {
            var job: WorkerJob
            if let config {
                let c = try ClusterConfig.load(path: config)
                guard c.shards.indices.contains(shard) else { throw AppError("--shard must be between 0 and \(c.shards.count - 1)") }
                guard c.shards[shard].replicas.indices.contains(replica) else {
                    throw AppError("shard \(shard) has \(c.shards[shard].replicas.count) replica(s); --replica \(replica) is not one")
                }
                guard let modelPath = model ?? c.model else { throw AppError("no model: give --model or set \"model\" in the config") }
                job = WorkerJob(model: modelPath, shard: shard, shards: c.shards.count, bind: bind ?? c.shards[shard].replicas[replica])
                job.configPath = config
            } else {
                job = WorkerJob(model: model!, shard: shard, shards: shards!, bind: bind!)
            }
            if let secret = curve.curveSecret {
                job.security = try CurveKeyFiles.settings(secret: secret, clients: curve.curveClients, serverKey: nil)
            }
            job.metricsBind = metricsBind
            try job.run()
        }
    }
}

struct Coordinator: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode users, fan out to shard workers, merge their votes.",
        discussion: "Workers come from --workers or from --config (a JSON cluster config; see deploy/cluster.example.json).")
    @Option(help: "Model file (default: the config's).") var model: String?
    @Option(help: "Worker endpoints: shards separated by commas, replicas of one shard by '|' (the i-th group serves shard i).")
    var workers: String?
    @Option(help: "Cluster config file (JSON).") var config: String?
    @OptionGroup var tuning: CoordinatorTuningOptions
    @OptionGroup var curve: ServerCurveOptions
    @Option(help: "CURVE: the workers' public key file (required with --curve-secret).") var curveWorkerKey: String?
    @Option(
        help:
            "Poll loops serving clients, each on its own thread behind an in-process proxy (1-64, default 1; see docs/operations.md on when more help)."
    )
    var threads = 1

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
        guard (workers == nil) != (config == nil) else { throw ValidationError("give exactly one of --workers and --config") }
        if let workers, workers.split(separator: ",").isEmpty { throw ValidationError("--workers needs at least one endpoint") }
        if config == nil && (model == nil || tuning.bind == nil) { throw ValidationError("without --config, --model and --bind are required") }
        let given = try tuning.decode(over: ClusterConfig.Coordinator(bind: ""))
        if let problem = given.validationError(naming: CoordinatorTuningOptions.flag) { throw ValidationError(problem) }
        if (curve.curveSecret == nil) != (curveWorkerKey == nil) { throw ValidationError("--curve-secret and --curve-worker-key go together") }
    }

    func run() throws {
        try runJob {
            var groups: [[String]], modelPath: String?
            var settings = ClusterConfig.Coordinator(bind: "")
            if let config {
                let c = try ClusterConfig.load(path: config)
                groups = c.shards.map(\.replicas)
                modelPath = model ?? c.model
                settings = c.coordinator ?? settings
            } else {
                groups = workers!.split(separator: ",").map { $0.split(separator: "|").map(String.init) }
                modelPath = model
            }
            // The command line's settings over the file's.
            settings = try tuning.decode(over: settings)
            guard let modelPath else { throw AppError("no model: give --model or set \"model\" in the config") }
            guard !settings.bind.isEmpty else { throw AppError("no endpoint to bind: give --bind or set \"coordinator.bind\" in the config") }
            var job = CoordinatorJob(model: modelPath, workers: groups, bind: settings.bind)
            job.configuration = settings.applied(to: .init())
            if let problem = job.configuration.validationError() { throw AppError(problem) }
            if let secret = curve.curveSecret {
                job.security = try CurveKeyFiles.settings(secret: secret, clients: curve.curveClients, serverKey: curveWorkerKey)
            }
            job.metricsBind = settings.metricsBind
            job.configPath = config
            job.threads = threads
            if let chosen = settings.adminBind { job.adminBind = chosen == "off" ? nil : chosen }
            try job.run()
        }
    }
}

struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start shard workers and a coordinator on loopback; Ctrl-C or SIGTERM stops them all.")
    @Option(help: "Model file.") var model: String
    @Option(help: "Number of shards.") var shards = 3
    @Option(help: "Worker processes per shard.") var replicas = 1
    @Option(help: "Coordinator processes (stateless; clients connect to all: --coordinator a,b).") var coordinators = 1
    @Option(help: "Poll loops (threads) per coordinator process (coordinator --threads).") var coordinatorThreads = 1
    @Option(help: "Coordinator port (workers take the next ones, then further coordinators); 0 lets the kernel choose.") var port = 5600
    @Option(help: "CURVE: run secured with the key material in this directory (generated when missing).") var keys: String?

    func run() throws {
        var job = ClusterJob(model: model, shards: shards, port: port)
        job.replicas = replicas
        job.coordinators = coordinators
        job.coordinatorThreads = coordinatorThreads
        job.keys = keys
        try runJob { try job.run() }
    }
}
