import ArgumentParser
import RecApp
import RecBench

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a coordinator for recommendations; with --histories, writes the TSV of `recommend`.")
    @Option(help: "Coordinator endpoint, e.g. tcp://127.0.0.1:5600; several, comma-separated, spread the requests over them.") var coordinator: String
    @Option(help: "One history as item:rating,item:rating,…") var history: String?
    @Option(help: "A histories file (same formats as --interactions).") var histories: String?
    @Option(help: "Optional users file with attributes.") var users: String?
    @Option(name: .short, help: "Items per user.") var k = 50
    @Option(help: "Output file (default: standard output).") var output: String?
    @Option(help: "Give up when no reply has come for this many seconds (requests refused as overloaded are retried until then).") var timeout:
        Double = 30
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

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a coordinator's shards, model version, counters and latency.")
    @Option(
        help: "The coordinator's admin endpoint (it announces it at start-up: 'coordinator admin endpoint on …'); the data socket refuses rollback.")
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
