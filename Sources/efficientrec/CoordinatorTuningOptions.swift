import ArgumentParser
import RecApp

/// The coordinator's settings as options, named as the keys of the cluster config's
/// `"coordinator"` object (`ClusterConfig.Coordinator`): the options given decode straight into it,
/// over the file's values when there is a file. Defaults are `CoordinatorCore.Configuration`'s.
struct CoordinatorTuningOptions: ConfigurationOverrides {
    @Option(help: "Endpoint to bind for clients (ROUTER) (default: the config's).") var bind: String?
    @Option(help: "Deadline in milliseconds for requests that carry none (default: the config's, else 500).") var defaultDeadlineMs: Int?
    @Option(help: "The latest deadline a client may ask for, in ms from arrival; later ones are clamped (default: the config's, else 5000).")
    var maxDeadlineMs: Int?
    @Option(
        help: "Endpoint where admin actions (rollback) are accepted, or 'off' (default: the config's, else tcp://127.0.0.1:0, a port on loopback).")
    var adminBind: String?
    @Option(help: "Requests in flight beyond which new ones get an 'overloaded' error (default 4096).") var maxInFlight: Int?
    @Option(help: "Refuse queued requests as 'overloaded' once the client queue has stood this many ms (default 10).")
    var queueTargetMs: Int?
    @Option(
        help:
            "Adapt the in-flight limit so that admitted requests stay under this latency in ms at the 99th percentile (default 25; 0: off, only --max-in-flight)."
    )
    var latencyTargetMs: Int?
    @Option(help: "Answer with an error instead when less than this share of the cluster weight answered (0-1, default 0).")
    var minCoverage: Double?
    @Option(help: "Heartbeat period per worker in ms (default 100).") var heartbeatMs: Int?
    @Option(help: "Silence in ms after which a worker is declared dead (default 350).") var heartbeatTimeoutMs: Int?
    @Option(help: "Re-send an unanswered sub-request to a sibling replica after this many ms (default 50).") var attemptTimeoutMs: Int?
    @Option(help: "Hedge: backup sub-requests allowed per primary one (e.g. 0.05); hedging is off unless set.") var hedgeBudget: Double?
    @Option(help: "Hedge once a shard's latency passes this percentile (0.5-1, default 0.95).") var hedgePercentile: Double?
    @Option(help: "Serve Prometheus metrics and /healthz over HTTP on host:port (off the data path).") var metricsBind: String?

    /// The flag a setting comes from: `defaultDeadlineMs` → `--default-deadline-ms`.
    static func flag(_ key: String) -> String {
        "--"
            + key.reduce(into: "") { out, c in
                if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
            }
    }
}
