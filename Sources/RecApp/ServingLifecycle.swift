import Dispatch
import Foundation
import Logging
import RecServer
import ServiceLifecycle
import Synchronization

/// Runs a serving process under swift-service-lifecycle: the ZeroMQ poll loop on its own thread
/// (blocking calls stay off Swift's cooperative pool), the optional metrics HTTP server beside it,
/// and SIGTERM/SIGINT as graceful shutdown — the loop drains, then every service stops and the
/// process exits 0.
enum ServingLifecycle {
    /// A blocking poll loop as a Service: graceful shutdown sets its stop flag.
    struct PollLoop: Service {
        let name: String
        let body: @Sendable (StopFlag) throws -> Void

        func run() async throws {
            let stop = StopFlag()
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
                    let thread = Thread {
                        do { try body(stop); done.resume() } catch { done.resume(throwing: error) }
                    }
                    thread.name = name
                    thread.start()
                }
            } onGracefulShutdown: {
                stop.stop()
            }
        }
    }

    /// Serves until SIGTERM/SIGINT (or until the loop ends); throws what the loop threw.
    /// The group shuts services down in reverse order: the poll loop first (it drains), the metrics
    /// server after it, so `/readyz` answers "not ready: draining" for the whole drain.
    static func run(loop: PollLoop, metricsBind: String?, readiness: Readiness, logger: Logger) throws(AppError) {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metricsBind {
            let server = try Observability.metricsServer(bind: metricsBind, readiness: readiness, logger: logger)
            services.append(
                .init(
                    service: server, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(
            .init(
                service: loop, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let failure = Mutex<String?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Task {
            do { try await group.run() } catch { failure.withLock { $0 = "\(error)" } }
            finished.signal()
        }
        finished.wait()
        if let failure = failure.withLock({ $0 }) { throw AppError(failure) }
    }
}
