import Foundation
import RecServer
import RecServing
import RecTransport

/// A cluster described in one JSON file, shared by the coordinator and every worker:
///
///     { "model": "model.efr",
///       "coordinator": { "bind": "tcp://0.0.0.0:5600", "defaultDeadlineMs": 500 },
///       "shards": [ { "replicas": ["tcp://10.0.0.1:5601", "tcp://10.0.0.2:5601"] },
///                   { "replicas": ["tcp://10.0.0.3:5602"] } ] }
///
/// Shard i is `shards[i]`; a worker started with `--config F --shard i --replica r` binds
/// `shards[i].replicas[r]` (a `tcp://host:port` it can bind; the coordinator connects to the same string).
public struct ClusterConfig: Codable, Equatable, Sendable {
    public struct Coordinator: Codable, Equatable, Sendable {
        public var bind: String
        public var defaultDeadlineMs: Int?
        /// The latest deadline a client may ask for, in ms from the request's arrival (default 5,000).
        public var maxDeadlineMs: Int?
        public var maxInFlight: Int?
        public var queueTargetMs: Int?
        /// The latency admitted requests keep under overload (the adaptive admission limit's
        /// target); 0 turns adaptation off.
        public var latencyTargetMs: Int?
        public var minCoverage: Double?
        public var heartbeatMs: Int?
        public var heartbeatTimeoutMs: Int?
        public var attemptTimeoutMs: Int?
        /// Hedging is on when a budget is given (backups per primary sub-request, e.g. 0.05).
        public var hedgeBudget: Double?
        public var hedgePercentile: Double?
        /// host:port for the coordinator's Prometheus /metrics endpoint.
        public var metricsBind: String?
        /// Where admin actions (rollback) are accepted ("off": nowhere; default a loopback port).
        public var adminBind: String?

        public init(bind: String) { self.bind = bind }

        /// The longest duration any millisecond setting may have (one day): larger values are
        /// refused by `validationError`.
        public static let maxMilliseconds = 86_400_000

        static func duration(_ ms: Int) -> Duration { .milliseconds(max(0, ms)) }

        /// The first setting out of range, named by `naming` (a config key, or the flag it came from).
        public func validationError(naming: (String) -> String = { $0 }) -> String? {
            let durations: [(String, Int?)] = [
                ("defaultDeadlineMs", defaultDeadlineMs), ("maxDeadlineMs", maxDeadlineMs),
                ("queueTargetMs", queueTargetMs), ("latencyTargetMs", latencyTargetMs),
                ("heartbeatMs", heartbeatMs), ("heartbeatTimeoutMs", heartbeatTimeoutMs),
                ("attemptTimeoutMs", attemptTimeoutMs)
            ]
            for (key, value) in durations + [("maxInFlight", maxInFlight)] where key != "latencyTargetMs" {
                if let value, value < 1 { return "\(naming(key)) must be positive" }
            }
            if let t = latencyTargetMs, t < 0 { return "\(naming("latencyTargetMs")) must be 0 (off) or positive" }
            for (key, value) in durations {
                if let value, value > Self.maxMilliseconds { return "\(naming(key)) must be at most \(Self.maxMilliseconds) (one day)" }
            }
            return applied(to: .init()).validationError()
        }

        /// These settings over `base` (unset keys keep base's values).
        public func applied(to base: CoordinatorCore.Configuration) -> CoordinatorCore.Configuration {
            var c = base
            if let v = defaultDeadlineMs { c.defaultDeadline = Self.duration(v) }
            if let v = maxDeadlineMs {
                c.maxDeadline = Self.duration(v)
            } else {
                // A default deadline raised past the longest one raises the longest with it.
                c.maxDeadline = max(c.maxDeadline, c.defaultDeadline)
            }
            if let v = maxInFlight { c.maxInFlight = v }
            if let v = queueTargetMs { c.queueTarget = Self.duration(v) }
            if let v = latencyTargetMs { c.latencyTarget = v > 0 ? Self.duration(v) : nil }
            if let v = minCoverage { c.minCoverage = v }
            if let v = heartbeatMs { c.heartbeatInterval = Self.duration(v) }
            if let v = heartbeatTimeoutMs { c.heartbeatTimeout = Self.duration(v) }
            if let v = attemptTimeoutMs { c.attemptTimeout = Self.duration(v) }
            if hedgeBudget != nil || hedgePercentile != nil {
                var h = c.hedging ?? CoordinatorCore.Configuration.Hedging()
                if let v = hedgeBudget { h.budgetRatio = v }
                if let v = hedgePercentile { h.percentile = v }
                c.hedging = h
            }
            return c
        }
    }

    public struct Shard: Codable, Equatable, Sendable {
        public var replicas: [String]
    }

    public var model: String?
    public var coordinator: Coordinator?
    public var shards: [Shard]

    public static func load(path: String) throws(AppError) -> ClusterConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw AppError("cannot read cluster config '\(path)'") }
        let config: ClusterConfig
        do { config = try JSONDecoder().decode(ClusterConfig.self, from: data) } catch {
            throw AppError("cluster config '\(path)' is not valid: \(Self.describe(error))")
        }
        if let problem = config.validationError() { throw AppError("cluster config '\(path)': \(problem)") }
        return config
    }

    public func validationError() -> String? {
        if shards.isEmpty { return "no shards" }
        if shards.count > 4096 { return "\(shards.count) shards is more than the supported 4096" }
        for (i, shard) in shards.enumerated() {
            if shard.replicas.isEmpty { return "shard \(i) has no replicas" }
            if let bad = shard.replicas.first(where: { !$0.contains("://") }) {
                return "shard \(i): '\(bad)' is not an endpoint like tcp://host:port"
            }
        }
        let all = shards.flatMap(\.replicas)
        if Set(all).count != all.count { return "an endpoint is listed twice" }
        if let problem = coordinator?.validationError(naming: { "coordinator.\($0)" }) {
            return problem.hasPrefix("coordinator.") ? problem : "coordinator: \(problem)"
        }
        return nil
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, context):
            return "missing \"\(key.stringValue)\" at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case let DecodingError.dataCorrupted(context):
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}

/// CURVE material of one process (see `CurveKeyFiles.settings`).
public typealias SecuritySettings = CurveSettings
