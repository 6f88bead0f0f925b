import ArgumentParser
import RecApp
import RecBench

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
    @Option(help: "Also write an HTML report (the numbers, the latency distribution) to this file.") var report: String?
    @OptionGroup var curve: ClientCurveOptions

    func validate() throws {
        guard (1...1_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000") }
        guard (1...100_000).contains(concurrency ?? 1) else { throw ValidationError("--concurrency must be between 1 and 100000") }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be between 0 and 1000000 requests/s") }
        guard duration > 0, duration <= 3_600 else { throw ValidationError("--duration must be between 0 and 3600") }
        guard k >= 1, k <= 1_000 else { throw ValidationError("-k must be between 1 and 1000") }
    }

    func run() throws {
        var job = BenchJob(
            coordinator: coordinator, histories: histories, concurrency: concurrency ?? (rate == nil ? 1 : 20_000),
            duration: duration, k: k)
        job.rate = rate
        job.batchSize = batch
        job.report = report
        try runJob {
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
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(flag) takes comma-separated integers, got '\(text)'")
        }
        return values.map { $0! }
    }

    func validate() throws {
        guard try Self.counts(shards, "--shards").allSatisfy({ (1...64).contains($0) }) else {
            throw ValidationError("--shards: each between 1 and 64")
        }
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
