import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import RecServer
import Synchronization

/// Process-wide logging (swift-log to standard error, level from `EFFICIENTREC_LOG_LEVEL`, default
/// info) and metrics (swift-metrics into a Prometheus registry), and the HTTP endpoint that serves
/// them off the data path: `GET /metrics` (Prometheus text format), `GET /healthz` (liveness: the
/// process answers) and `GET /readyz` (readiness: 200 "ready", or 503 with the reason).
public enum Observability {
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Mutex(false)

    /// Installs the logging and metrics backends (once per process; later calls do nothing).
    public static func bootstrap() {
        let first = bootstrapped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let level = ProcessInfo.processInfo.environment["EFFICIENTREC_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request latencies are sub-millisecond to the 500 ms deadline.
        factory.defaultDurationHistogramBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
            .map { Duration.microseconds(Int64($0 * 1_000_000)) }
        factory.defaultValueHistogramBuckets = [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1, 2, 4, 8, 16, 32, 64]
        MetricsSystem.bootstrap(factory)
    }

    /// The metrics HTTP server for `bind` ("host:port"; port 0 lets the kernel choose). It announces
    /// "metrics on http://host:port/metrics" on standard output once listening.
    public static func metricsServer(bind: String, readiness: Readiness, logger: Logger) throws(AppError) -> some ApplicationProtocol {
        let parts = bind.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port), !parts[0].isEmpty else {
            throw AppError("--metrics-bind must be host:port, e.g. 127.0.0.1:9100 (got '\(bind)')")
        }
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            let text = registry.emitToBuffer()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let (ready, reason) = readiness.current
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: (ready ? "ready" : "not ready: \(reason)") + "\n")))
        }
        let host = String(parts[0])
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "efficientrec"),
            onServerRunning: { channel in
                let actual = channel.localAddress?.port ?? port
                announce("metrics on http://\(host):\(actual)/metrics")
            },
            logger: logger)
    }
}
