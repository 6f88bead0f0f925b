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
    @Option(help: "Poll loops serving clients, each on its own thread behind an in-process proxy (1-64, default 1; see docs/operations.md on when more help).")
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

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a coordinator for recommendations; with --histories, writes the TSV of `recommend`.")
    @Option(help: "Coordinator endpoint, e.g. tcp://127.0.0.1:5600; several, comma-separated, spread the requests over them.") var coordinator: String
    @Option(help: "One history as item:rating,item:rating,…") var history: String?
    @Option(help: "A histories file (same formats as --interactions).") var histories: String?
    @Option(help: "Optional users file with attributes.") var users: String?
    @Option(name: .short, help: "Items per user.") var k = 50
    @Option(help: "Output file (default: standard output).") var output: String?
    @Option(help: "Give up when no reply has come for this many seconds (requests refused as overloaded are retried until then).") var timeout: Double = 30
    @OptionGroup var curve: ClientCurveOptions
    @OptionGroup var filter: FilterOptions
    @Option(help: "Users per batch: one message of that many requests, answered by one message (1: a message per user).")
    var batch = 64
    @Flag(help: "Ask for explanations: two more columns, as `recommend --explain`.") var explain = false

    func validate() throws {
        guard (1...1_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000") }
        guard (history == nil) != (histories == nil) else { throw ValidationError("give exactly one of --history and --histories") }
        guard k >= 1, k <= 1_000 else { throw ValidationError("-k must be between 1 and 1000") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        var job = QueryJob(coordinator: coordinator, history: history, histories: histories, users: users, k: k, output: output)
        job.timeoutSeconds = timeout
        job.batchSize = batch
        job.explain = explain
        try runJob {
            job.security = try curve.settings()
            job.filter = try filter.load()
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

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test a coordinator: throughput, p50/p90/p99/max latency, errors and degraded replies.")
    @Option(help: "Coordinator endpoint; several, comma-separated, spread the load over them.") var coordinator: String
    @Option(help: "Histories file; requests cycle through its users.") var histories: String
    @Option(help: "Requests kept in flight (closed loop), or the most outstanding with --rate.") var concurrency: Int?
    @Option(help: "Open loop: send this many requests per second whatever the replies.") var rate: Double?
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Option(name: .short, help: "Items per request.") var k = 50
    @Option(help: "Requests per message: batches of users, each answered by one message (default 1).") var batch = 1
    @OptionGroup var curve: ClientCurveOptions

    func validate() throws {
        guard (1...1_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000") }
        guard (1...100_000).contains(concurrency ?? 1) else { throw ValidationError("--concurrency must be between 1 and 100000") }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be between 0 and 1000000 requests/s") }
        guard duration > 0, duration <= 3_600 else { throw ValidationError("--duration must be between 0 and 3600") }
        guard k >= 1, k <= 1_000 else { throw ValidationError("-k must be between 1 and 1000") }
    }

    func run() throws {
        var job = BenchJob(coordinator: coordinator, histories: histories, concurrency: concurrency ?? (rate == nil ? 1 : 20_000),
                           duration: duration, k: k)
        job.rate = rate
        job.batchSize = batch
        try runJob {
            job.security = try curve.settings()
            try job.run()
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a coordinator's shards, model version, counters and latency.")
    @Option(help: "The coordinator's admin endpoint (it announces it at start-up: 'coordinator admin endpoint on …'); the data socket refuses rollback.")
    var coordinator: String
    @OptionGroup var curve: ClientCurveOptions

    func run() throws {
        try runJob {
            var job = StatusJob(coordinator: coordinator)
            job.security = try curve.settings()
            try job.run()
        }
    }
}

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Switch a coordinator back to the model version it served before the last rollout.",
        discussion: "The coordinator and its workers keep the previous version loaded after a rollout. Set the cluster config's model back too.")
    @Option(help: "Coordinator endpoint.") var coordinator: String
    @OptionGroup var curve: ClientCurveOptions

    func run() throws {
        try runJob {
            var job = RollbackJob(coordinator: coordinator)
            job.security = try curve.settings()
            try job.run()
        }
    }
}

struct Block: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Withdraw items from every answer of a coordinator now (an admin action), or take them back with --unblock.",
        discussion: "Send it to the coordinator's admin endpoint. The list is the coordinator's: a restarted coordinator starts with none.")
    @Option(help: "The coordinator's admin endpoint.") var coordinator: String
    @Option(help: "File of item IDs, one per line.") var items: String
    @Flag(help: "Take the items back instead.") var unblock = false
    @OptionGroup var curve: ClientCurveOptions

    func run() throws {
        try runJob {
            let ids = try RequestFilter.readIDs(items, flag: "--items")
            var job = BlockJob(coordinator: coordinator, itemIDs: ids)
            job.unblock = unblock
            job.security = try curve.settings()
            try job.run()
        }
    }
}

struct BenchCore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-core",
        abstract: "CPU per request of the coordinator and worker state machines, in one process without sockets.")
    @Option(help: "Model file.") var model: String
    @Option(help: "Histories file.") var histories: String
    @Option(help: "Number of shards.") var shards = 3
    @Option(help: "Requests to run.") var requests = 20_000
    @Option(name: .short, help: "Items per request.") var k = 50

    func validate() throws {
        guard shards >= 1, shards <= 64 else { throw ValidationError("--shards must be between 1 and 64") }
        guard requests >= 1 else { throw ValidationError("--requests must be positive") }
        guard k >= 1, k <= 1_000 else { throw ValidationError("-k must be between 1 and 1000") }
    }

    func run() throws {
        let job = ServingCoreBenchmark(model: model, histories: histories, shards: shards, requests: requests, k: k)
        try runJob { try job.run() }
    }
}

struct BenchFloor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-floor",
        abstract: "The cluster against a plain libzmq echo fan-out with the same frame sizes, in one run: p50, throughput, ratios, CPU per request.")
    @Option(help: "Model file.") var model: String
    @Option(help: "Histories file; requests cycle through its users.") var histories: String
    @Option(help: "Comma-separated shard counts.") var shards = "1,3"
    @Option(help: "Comma-separated concurrencies (closed loop).") var concurrency = "1,32"
    @Option(help: "Comma-separated coordinator process counts for the cluster side.") var coordinators = "1"
    @Option(help: "Comma-separated poll-loop (thread) counts per coordinator process for the cluster side.") var coordinatorThreads = "1"
    @Option(help: "Seconds per measured run.") var duration = 5.0
    @Option(help: "Seconds of unmeasured load before each run.") var warmup = 1.0
    @Option(help: "Rounds (floor and cluster alternate; medians are printed).") var rounds = 1
    @Option(name: .short, help: "Items per request.") var k = 50
    @Option(help: "bench-core requests run afterwards for the per-step CPU (0 skips it).") var coreRequests = 20_000
    @Option(help: "The floor's binary (default: efficientrec-floor next to this one).") var floorBinary: String?

    static func counts(_ text: String, _ flag: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { throw ValidationError("\(flag) takes comma-separated integers, got '\(text)'") }
        return values.map { $0! }
    }

    func validate() throws {
        guard try Self.counts(shards, "--shards").allSatisfy({ (1...64).contains($0) }) else { throw ValidationError("--shards: each between 1 and 64") }
        guard try Self.counts(concurrency, "--concurrency").allSatisfy({ (1...10_000).contains($0) }) else {
            throw ValidationError("--concurrency: each between 1 and 10000")
        }
        guard try Self.counts(coordinators, "--coordinators").allSatisfy({ (1...16).contains($0) }) else {
            throw ValidationError("--coordinators: each between 1 and 16")
        }
        guard try Self.counts(coordinatorThreads, "--coordinator-threads").allSatisfy({ (1...64).contains($0) }) else {
            throw ValidationError("--coordinator-threads: each between 1 and 64")
        }
        guard duration > 0, duration <= 600 else { throw ValidationError("--duration must be in (0, 600]") }
        guard warmup >= 0, warmup <= 60 else { throw ValidationError("--warmup must be in [0, 60]") }
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be between 1 and 20") }
        guard k >= 1, k <= 1_000 else { throw ValidationError("-k must be between 1 and 1000") }
        guard coreRequests >= 0 else { throw ValidationError("--core-requests must not be negative") }
    }

    func run() throws {
        var job = BenchFloorJob(model: model, histories: histories)
        job.shardCounts = try Self.counts(shards, "--shards")
        job.concurrencies = try Self.counts(concurrency, "--concurrency")
        job.coordinatorCounts = try Self.counts(coordinators, "--coordinators")
        job.threadCounts = try Self.counts(coordinatorThreads, "--coordinator-threads")
        job.duration = duration
        job.warmup = warmup
        job.rounds = rounds
        job.k = k
        job.floorExecutable = floorBinary
        let shardCounts = job.shardCounts
        try runJob {
            try job.run()
            if coreRequests > 0 {
                for s in shardCounts {
                    try ServingCoreBenchmark(model: model, histories: histories, shards: s, requests: coreRequests, k: k).run()
                }
            }
        }
    }
}
