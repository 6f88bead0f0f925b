import EfficientRecClient
import Foundation
import RecApp
import RecServer
import RecWire
import XCTest

/// Readiness with real processes: `/readyz` (the Kubernetes readiness probe) and `status.ready`
/// follow what the processes can do — a coordinator is ready only while every shard has a live
/// replica holding its model, a worker from its model's load until it drains. `/healthz` stays
/// the liveness probe. Every wait is for an event, with a generous deadline.
final class ReadinessProcessTests: XCTestCase {
    func launch(_ args: [String]) throws -> LocalProcess { try LocalProcess.launch(CLI.binary, args) }

    func lastWord(_ process: LocalProcess, _ text: String) throws -> String {
        String(try process.firstLine(containing: text, timeoutSeconds: 30).split(separator: " ").last!)
    }

    func ready(_ client: QueryClient, _ n: Int) throws -> Bool? {
        guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s\(n)")), id: "s\(n)") else { return nil }
        return s.ready
    }

    func testTheCoordinatorIsReadyOnlyWhileEveryShardHasALiveReplica() throws {
        let model = ServingTests.fixture.model
        let worker = try launch([
            "worker", "--model", model, "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*",
            "--metrics-bind", "127.0.0.1:0"
        ])
        defer { kill(worker.pid, SIGCONT); worker.terminate() }
        let workerEndpoint = try lastWord(worker, "listening on")
        let workerReady = try lastWord(worker, "metrics on").replacingOccurrences(of: "/metrics", with: "/readyz")
        XCTAssertEqual(HTTPProbe.get(workerReady), .init(status: 200, body: "ready\n"), "a worker is ready once its model is loaded")

        let coordinator = try launch([
            "coordinator", "--model", model, "--workers", workerEndpoint, "--bind", "tcp://127.0.0.1:*",
            "--metrics-bind", "127.0.0.1:0", "--heartbeat-timeout-ms", "1000"
        ])
        defer { coordinator.terminate() }
        let endpoint = try lastWord(coordinator, "listening on")
        let metrics = try lastWord(coordinator, "metrics on")
        let readyz = metrics.replacingOccurrences(of: "/metrics", with: "/readyz")
        let client = try QueryClient(coordinator: endpoint)
        // Ready once the worker's heartbeat said it holds the model.
        XCTAssertEqual(HTTPProbe.wait(readyz) { $0?.status == 200 }?.body, "ready\n")
        XCTAssertEqual(try ready(client, 1), true)
        XCTAssertEqual(HTTPProbe.get(metrics.replacingOccurrences(of: "/metrics", with: "/healthz"))?.status, 200)

        // The only worker stops answering (SIGSTOP): after the heartbeat timeout, not ready — the
        // process itself is still live.
        kill(worker.pid, SIGSTOP)
        let stopped = HTTPProbe.wait(readyz) { $0?.status == 503 }
        XCTAssertEqual(stopped?.status, 503)
        XCTAssertTrue(stopped?.body.contains("shard 0 has no live replica") == true, stopped?.body ?? "no answer")
        XCTAssertEqual(try ready(client, 2), false)
        XCTAssertEqual(HTTPProbe.get(metrics.replacingOccurrences(of: "/metrics", with: "/healthz"))?.status, 200, "still live")
        // It resumes: ready again.
        kill(worker.pid, SIGCONT)
        XCTAssertEqual(HTTPProbe.wait(readyz) { $0?.status == 200 }?.status, 200)
        XCTAssertEqual(try ready(client, 3), true)
    }

    func testAWorkerIsNotReadyWhileItDrains() throws {
        let worker = try launch([
            "worker", "--model", ServingTests.fixture.model, "--shard", "0", "--shards", "1",
            "--bind", "tcp://127.0.0.1:*", "--metrics-bind", "127.0.0.1:0"
        ])
        defer { worker.terminate() }
        let endpoint = try lastWord(worker, "listening on")
        let readyz = try lastWord(worker, "metrics on").replacingOccurrences(of: "/metrics", with: "/readyz")
        XCTAssertEqual(HTTPProbe.get(readyz)?.status, 200)
        // A peer that keeps sending frames keeps the drain going (up to its 1.5 s limit).
        // (The client is used by the talker thread only once this thread is done with it.)
        nonisolated(unsafe) let peer = try QueryClient(coordinator: endpoint)
        _ = try peer.sendRaw([0xFF])
        let done = DispatchSemaphore(value: 0)
        let talker = Thread {
            while done.wait(timeout: .now()) == .timedOut { _ = try? peer.sendRaw([0xFF], timeoutSeconds: 0.05) }
        }
        talker.start()
        kill(worker.pid, SIGTERM)
        let draining = HTTPProbe.wait(readyz) { $0 == nil || $0?.status == 503 }
        done.signal()
        XCTAssertEqual(draining, .init(status: 503, body: "not ready: draining\n"))
        let deadline = Date().addingTimeInterval(20)
        while worker.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(worker.terminate(), "drained and exited 0")
    }
}
