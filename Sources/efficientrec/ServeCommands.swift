import ArgumentParser
import RecApp

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the shortlists of one shard over ZeroMQ (ROUTER).")
    @Option(help: "Model file.") var model: String
    @Option(help: "This worker's shard index (0-based).") var shard: Int
    @Option(help: "Number of shards.") var shards: Int
    @Option(help: "Endpoint to bind, e.g. tcp://127.0.0.1:5601 (port * lets the kernel choose).") var bind: String

    func validate() throws {
        guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
        guard (0..<shards).contains(shard) else { throw ValidationError("--shard must be between 0 and \(shards - 1)") }
    }

    func run() throws {
        let job = WorkerJob(model: model, shard: shard, shards: shards, bind: bind)
        try runJob { try job.run() }
    }
}

struct Coordinator: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Encode users, fan out to shard workers, merge their votes.")
    @Option(help: "Model file.") var model: String
    @Option(help: "Worker endpoints: shards separated by commas, replicas of one shard by '|' (the i-th group serves shard i).")
    var workers: String
    @Option(help: "Endpoint to bind for clients (ROUTER).") var bind: String
    @Option(help: "Deadline in milliseconds for requests that carry none.") var defaultDeadlineMs = 500

    func validate() throws {
        guard !workers.split(separator: ",").isEmpty else { throw ValidationError("--workers needs at least one endpoint") }
        guard defaultDeadlineMs >= 1 else { throw ValidationError("--default-deadline-ms must be positive") }
    }

    func run() throws {
        let groups = workers.split(separator: ",").map { $0.split(separator: "|").map(String.init) }
        var job = CoordinatorJob(model: model, workers: groups, bind: bind)
        job.configuration.defaultDeadlineMicros = UInt64(defaultDeadlineMs) * 1_000
        try runJob { try job.run() }
    }
}

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a coordinator for recommendations; with --histories, writes the TSV of `recommend`.")
    @Option(help: "Coordinator endpoint, e.g. tcp://127.0.0.1:5600.") var coordinator: String
    @Option(help: "One history as item:rating,item:rating,…") var history: String?
    @Option(help: "A histories file (same formats as --interactions).") var histories: String?
    @Option(help: "Optional users file with attributes.") var users: String?
    @Option(name: .short, help: "Items per user.") var k = 50
    @Option(help: "Output file (default: standard output).") var output: String?
    @Option(help: "Seconds to wait for all replies.") var timeout: Double = 30

    func validate() throws {
        guard (history == nil) != (histories == nil) else { throw ValidationError("give exactly one of --history and --histories") }
        guard k >= 1, k <= 1_000 else { throw ValidationError("-k must be between 1 and 1000") }
    }

    func run() throws {
        var job = QueryJob(coordinator: coordinator, history: history, histories: histories, users: users, k: k, output: output)
        job.timeoutSeconds = timeout
        try runJob { try job.run() }
    }
}

struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start shard workers and a coordinator on loopback; Ctrl-C or SIGTERM stops them all.")
    @Option(help: "Model file.") var model: String
    @Option(help: "Number of shards.") var shards = 3
    @Option(help: "Worker processes per shard.") var replicas = 1
    @Option(help: "Coordinator port (workers take the next ones); 0 lets the kernel choose.") var port = 5600

    func run() throws {
        var job = ClusterJob(model: model, shards: shards, port: port)
        job.replicas = replicas
        try runJob { try job.run() }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test a coordinator: throughput, p50/p90/p99/max latency, errors and degraded replies.")
    @Option(help: "Coordinator endpoint.") var coordinator: String
    @Option(help: "Histories file; requests cycle through its users.") var histories: String
    @Option(help: "Requests kept in flight.") var concurrency = 1
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Option(name: .short, help: "Items per request.") var k = 50

    func validate() throws {
        guard concurrency >= 1, concurrency <= 10_000 else { throw ValidationError("--concurrency must be between 1 and 10000") }
        guard duration > 0, duration <= 3_600 else { throw ValidationError("--duration must be between 0 and 3600") }
        guard k >= 1, k <= 1_000 else { throw ValidationError("-k must be between 1 and 1000") }
    }

    func run() throws {
        let job = BenchJob(coordinator: coordinator, histories: histories, concurrency: concurrency, duration: duration, k: k)
        try runJob { try job.run() }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a coordinator's shards, model version, counters and latency.")
    @Option(help: "Coordinator endpoint.") var coordinator: String

    func run() throws {
        try runJob { try StatusJob(coordinator: coordinator).run() }
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
