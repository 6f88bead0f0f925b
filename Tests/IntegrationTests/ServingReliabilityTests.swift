import EfficientRecClient
import Foundation
import RecApp
import RecData
import RecInference
import RecModelFile
import RecServer
import RecTestSupport
import RecVote
import RecWire
import XCTest

/// Real processes on loopback, failing and misbehaving on purpose: replicas killed or stopped
/// under load, CURVE strangers, overload, and the metrics endpoint (fixture shared with ServingTests).
final class ServingReliabilityTests: XCTestCase {
    func launch(_ args: [String]) throws -> LocalProcess {
        try LocalProcess.launch(CLI.binary, args)
    }

    func testAKilledReplicaIsSurvivedWithFullCoverageAndExactAnswers() throws {
        let model = ServingTests.fixture.model
        var workers: [LocalProcess] = []
        var endpoints: [[String]] = [[], []]
        for shard in 0..<2 {
            for _ in 0..<2 {
                let w = try launch(["worker", "--model", model, "--shard", "\(shard)", "--shards", "2", "--bind", "tcp://127.0.0.1:*"])
                workers.append(w)
                endpoints[shard].append(String(try w.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!))
            }
        }
        // A long heartbeat timeout: the dead replica is still in rotation when the next round starts
        // (however loaded the machine), so some of that round's sub-requests must be moved off it
        // by the attempt timeout.
        let coordinator = try launch([
            "coordinator", "--model", model, "--workers", endpoints.map { $0.joined(separator: "|") }.joined(separator: ","),
            "--bind", "tcp://127.0.0.1:*", "--attempt-timeout-ms", "30", "--default-deadline-ms", "5000",
            "--heartbeat-timeout-ms", "3000"
        ])
        defer { coordinator.terminate(); workers.forEach { $0.terminate() } }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let workload = try ExactWorkload(models: [try ModelFile.load(path: model)])
        let client = try QueryClient(coordinator: endpoint)
        try workload.round(client, "before")
        // Kill one replica of shard 1 with SIGKILL, then ask again at once: sub-requests sent to it
        // before the heartbeat notices are retried on its sibling after the attempt timeout.
        kill(workers[2].pid, SIGKILL)
        try workload.round(client, "after the kill")
        // After the heartbeat timeout the silent replica is declared dead: wait for that event.
        var status = StatusResponse(requestID: "")
        let deadline = Date().addingTimeInterval(20)
        for n in 0... {
            guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s\(n)")), id: "s\(n)") else { return XCTFail("no status") }
            status = s
            if s.shards[1].replicasAlive == 1 || Date() > deadline { break }
            usleep(50_000)
        }
        XCTAssertGreaterThan(status.retries + status.failovers, 0, "some work was moved off the dead replica")
        XCTAssertEqual(status.shards[1].replicasAlive, 1, "the dead replica is out of rotation")
        XCTAssertEqual(status.shards[0].replicasAlive, 2)
        XCTAssertGreaterThanOrEqual(status.heartbeatMisses, 1)
        try workload.round(client, "with the replica gone")
    }

    func testASIGTERMedReplicaDrainsWithoutAFailedOrRedoneRequest() throws {
        let model = ServingTests.fixture.model
        var workers: [LocalProcess] = []
        var endpoints: [String] = []
        for _ in 0..<2 {
            let w = try launch(["worker", "--model", model, "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*"])
            workers.append(w)
            endpoints.append(String(try w.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!))
        }
        // Generous attempt timeout and deadline: on a loaded machine a slow reply must not be retried,
        // so any retry or failover counted below comes from the drain itself.
        let coordinator = try launch([
            "coordinator", "--model", model, "--workers", endpoints.joined(separator: "|"),
            "--bind", "tcp://127.0.0.1:*", "--attempt-timeout-ms", "2000", "--default-deadline-ms", "10000"
        ])
        defer { coordinator.terminate(); workers.forEach { $0.terminate() } }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        let messages = (0..<400).map { n -> (id: String, bytes: [UInt8]) in
            let items = (0..<8).map { "i\(1 + (n * 7 + $0 * 3) % 90)" }
            return (
                "q\(n)",
                ClientMessage.recommend(RecommendRequest(requestID: "q\(n)", itemIDs: items, ratings: Array(repeating: 5, count: 8), k: 10))
                    .serializedBytes()
            )
        }
        // SIGTERM one replica once both have served (an event, not a timer), while the rest of the
        // requests are pipelined through the pair.
        var replies: [String: ServerMessage] = [:]
        for (n, chunk) in stride(from: 0, to: messages.count, by: 50).enumerated() {
            if n == 2 { kill(workers[0].pid, SIGTERM) }
            replies.merge(try client.exchange(Array(messages[chunk..<min(messages.count, chunk + 50)]), window: 4)) { $1 }
        }
        XCTAssertEqual(replies.count, messages.count)
        XCTAssertTrue(
            replies.values.allSatisfy { if case let .recommend(r) = $0 { return r.coverage == 1 } else { return false } },
            "every reply complete")
        let deadline = Date().addingTimeInterval(20)
        while workers[0].isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(workers[0].isRunning)
        XCTAssertTrue(workers[0].terminate(), "the drained worker exited 0 by itself")
        // The coordinator takes the drained replica out of rotation: wait for it to say so.
        var status = StatusResponse(requestID: "")
        for n in 0... {
            guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s\(n)")), id: "s\(n)") else { return XCTFail("no status") }
            status = s
            if s.shards[0].replicasAlive == 1 || Date() > deadline { break }
            usleep(50_000)
        }
        XCTAssertEqual(status.shards[0].replicasAlive, 1)
        XCTAssertEqual(status.retries + status.failovers, 0, "the drain moved traffic before the worker left: nothing was redone")
    }

    func testACURVESecuredClusterIsExactAndRefusesStrangers() throws {
        let dir = ServingTests.fixture.dir
        let keys = TestFixtures.temporaryDirectory("keys")
        let cluster = try launch(["cluster", "--model", ServingTests.fixture.model, "--shards", "2", "--port", "0", "--keys", keys])
        defer { cluster.terminate() }
        let endpoint = String(try cluster.firstLine(containing: "coordinator: tcp", timeoutSeconds: 60).split(separator: " ")[1])
        let client = ["--curve-secret", keys + "/clients/client.key", "--curve-server-key", keys + "/coordinator.pub"]
        XCTAssertTrue(try String(contentsOfFile: keys + "/worker.key", encoding: .utf8).contains("secret-key"))
        // Exactness holds over encrypted sockets.
        let offline = try CLI.run([
            "recommend", "--model", ServingTests.fixture.model, "--histories", dir + "/histories.tsv", "-k", "10",
            "--output", dir + "/offline-secure.tsv"
        ])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let query = try CLI.run(
            [
                "query", "--coordinator", endpoint, "--histories", dir + "/histories.tsv", "-k", "10",
                "--output", dir + "/online-secure.tsv"
            ] + client)
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: dir + "/online-secure.tsv", encoding: .utf8),
            try String(contentsOfFile: dir + "/offline-secure.tsv", encoding: .utf8))
        // A plaintext client, an unlisted key and a wrong server key get nothing.
        let stranger = try CLI.run(["keys", "generate", "--out", keys + "/stranger"])
        XCTAssertEqual(stranger.status, 0, stranger.stderr)
        let attempts: [(String, [String])] = [
            ("plaintext", []),
            ("unlisted key", ["--curve-secret", keys + "/stranger.key", "--curve-server-key", keys + "/coordinator.pub"]),
            ("wrong server key", ["--curve-secret", keys + "/clients/client.key", "--curve-server-key", keys + "/worker.pub"])
        ]
        for (name, flags) in attempts {
            let refused = try CLI.run(["query", "--coordinator", endpoint, "--history", "i1:5,i2:4", "--timeout", "1"] + flags)
            XCTAssertNotEqual(refused.status, 0, "\(name) was answered: \(refused.stdout)")
            XCTAssertTrue(refused.stderr.contains("no reply"), "\(name): \(refused.stderr)")
        }
        // The Python example client speaks CURVE too, and gets the Swift client's answer.
        try Prerequisite.python()
        do {
            let swift = try CLI.run(["query", "--coordinator", endpoint, "--history", "i1:5,i4:5", "-k", "7"] + client)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("deploy/python-client/efficientrec_client.py").path
            let python = try CLIShell.run(
                "/usr/bin/env", ["python3", script, "--coordinator", endpoint, "--history", "i1:5,i4:5", "-k", "7"] + client)
            XCTAssertEqual(python.status, 0, python.stderr)
            XCTAssertEqual(python.stdout, swift.stdout)
        }
        let status = try CLI.run(["status", "--coordinator", endpoint] + client)
        XCTAssertEqual(status.status, 0, status.stderr)
        let counters = try XCTUnwrap(status.stdout.split(separator: "\n").first { $0.contains("CURVE refused") })
        let numbers = counters.split(separator: ";").last!.split(separator: ",").map { Int($0.split(separator: " ").last!)! }
        XCTAssertGreaterThanOrEqual(numbers[0], 1, "the unlisted key was refused and counted: \(counters)")
        XCTAssertGreaterThanOrEqual(numbers[1], 3, "every failed handshake was counted: \(counters)")
        XCTAssertEqual(numbers.count, 3, counters.description)
        XCTAssertGreaterThanOrEqual(numbers[2], 1, "the refused clients' connections were counted as lost: \(counters)")
    }

    func testPrometheusMetricsAndHealthAreServedOverHTTPAndSIGTERMExitsZero() throws {
        let model = ServingTests.fixture.model
        let worker = try launch([
            "worker", "--model", model, "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*",
            "--metrics-bind", "127.0.0.1:0"
        ])
        defer { worker.terminate() }
        let workerEndpoint = String(try worker.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let workerMetrics = String(try worker.firstLine(containing: "metrics on", timeoutSeconds: 30).split(separator: " ").last!)
        let coordinator = try launch([
            "coordinator", "--model", model, "--workers", workerEndpoint, "--bind", "tcp://127.0.0.1:*",
            "--metrics-bind", "127.0.0.1:0"
        ])
        defer { coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let metrics = String(try coordinator.firstLine(containing: "metrics on", timeoutSeconds: 30).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        for n in 0..<3 {
            guard
                case .recommend = try client.send(
                    .recommend(RecommendRequest(requestID: "m\(n)", itemIDs: ["i1", "i2"], ratings: [5, 4], k: 5)),
                    id: "m\(n)")
            else { return XCTFail("no recommendation") }
        }
        _ = try client.send(.recommend(RecommendRequest(requestID: "bad", itemIDs: ["i1"], ratings: [5], k: 0)), id: "bad")
        func fetch(_ url: String) throws -> String {
            let r = try CLIShell.run(
                "/usr/bin/env",
                ["python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())", url])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdout
        }
        // Counters reach the scrape after the loop's next turn.
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        repeat {
            text = try fetch(metrics)
            if text.contains("efficientrec_requests_total 3") { break }
            usleep(50_000)
        } while Date() < deadline
        XCTAssertTrue(text.contains("efficientrec_requests_total 3"), text)
        XCTAssertTrue(text.contains("efficientrec_errors_total 1"), "the k = 0 request")
        XCTAssertTrue(text.contains("efficientrec_request_duration_count 3"), "a latency histogram")
        XCTAssertTrue(text.contains("efficientrec_shard_reply_duration_count{shard=\"0\"} 3"), "per-shard latency")
        XCTAssertTrue(text.contains("efficientrec_reply_coverage_count 3"))
        XCTAssertTrue(text.contains("efficientrec_model_info{model_version="), "the model version")
        XCTAssertTrue(text.contains("efficientrec_shard_replicas_alive{shard=\"0\"} 1"))
        let workerText = try fetch(workerMetrics)
        XCTAssertTrue(workerText.contains("efficientrec_worker_queries_total{shard=\"0\"} 3"), workerText)
        XCTAssertEqual(try fetch(metrics.replacingOccurrences(of: "/metrics", with: "/healthz")), "ok\n")
        XCTAssertTrue(coordinator.terminate(), "SIGTERM: drained and exited 0")
        XCTAssertTrue(worker.terminate(), "SIGTERM: drained and exited 0")
    }

    func testBeyondMaxInFlightRequestsGetAFastOverloadedErrorAndNothingHangs() throws {
        let model = ServingTests.fixture.model
        let worker = try launch(["worker", "--model", model, "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*"])
        defer { worker.terminate() }
        let workerEndpoint = String(try worker.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let coordinator = try launch([
            "coordinator", "--model", model, "--workers", workerEndpoint, "--bind", "tcp://127.0.0.1:*",
            "--max-in-flight", "1"
        ])
        defer { coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        let burst = (0..<200).map { n in
            (
                "b\(n)",
                ClientMessage.recommend(RecommendRequest(requestID: "b\(n)", itemIDs: ["i\(1 + n % 80)", "i2"], ratings: [5, 4], k: 5))
                    .serializedBytes()
            )
        }
        let replies = try client.exchange(burst, window: 200, timeoutSeconds: 20)
        XCTAssertEqual(replies.count, 200, "every request got an answer")
        let refused = replies.values.filter { if case let .error(e) = $0 { return e.code == .overloaded } else { return false } }.count
        let answered = replies.values.filter {
            if case let .recommend(r) = $0 { return r.coverage == 1 && r.itemIDs.count == 5 } else { return false }
        }.count
        XCTAssertGreaterThan(refused, 0, "a pipelined burst exceeds one request in flight")
        XCTAssertGreaterThan(answered, 0)
        XCTAssertEqual(refused + answered, 200)
        guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s")), id: "s") else { return XCTFail("no status") }
        XCTAssertEqual(s.overloaded, UInt64(refused))
        XCTAssertEqual(s.inFlight, 0)
    }
}
