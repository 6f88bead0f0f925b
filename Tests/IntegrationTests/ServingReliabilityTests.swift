import Foundation
import XCTest
import RecApp
import RecCluster
import RecData
import RecModel
import RecServer
import RecTestSupport
import RecWire

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
        let coordinator = try launch(["coordinator", "--model", model, "--workers", endpoints.map { $0.joined(separator: "|") }.joined(separator: ","),
                                      "--bind", "tcp://127.0.0.1:*", "--attempt-timeout-ms", "30", "--default-deadline-ms", "2000"])
        defer { coordinator.terminate(); workers.forEach { $0.terminate() } }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        // Offline answers for 60 users' histories, from the same model file.
        let loaded = try ModelFile.load(path: model)
        let log = try InteractionLog.read(path: ServingTests.fixture.dir + "/interactions.tsv")
        var expected: [String: [String]] = [:]
        var messages: [(id: String, bytes: [UInt8])] = []
        var vote = loaded.makeVote()
        for u in 0..<60 {
            let h = log.history(of: u)
            let ids = h.items.map { log.items[$0] }
            let (mapped, _) = loaded.mapHistory(itemIDs: ids, ratings: h.ratings)
            expected["u\(u)"] = loaded.recommend(history: mapped, attributes: loaded.attributes.encode(nil), k: 10, vote: &vote).items
                .map { loaded.items[$0.index] }
            messages.append(("u\(u)", ClientMessage.recommend(RecommendRequest(requestID: "u\(u)", itemIDs: ids, ratings: h.ratings, k: 10))
                .serializedBytes()))
        }
        let client = try QueryClient(coordinator: endpoint)
        func check(_ replies: [String: ServerMessage], _ phase: String) {
            XCTAssertEqual(replies.count, messages.count, phase)
            for (id, reply) in replies {
                guard case let .recommend(r) = reply else { XCTFail("\(phase) \(id): \(reply)"); continue }
                XCTAssertEqual(r.coverage, 1, "\(phase) \(id): \(r.degradedReasons)")
                XCTAssertEqual(r.itemIDs, expected[id], "\(phase) \(id)")
            }
        }
        check(try client.exchange(messages, window: 8), "before")
        // Kill one replica of shard 1 with SIGKILL, then ask again at once: sub-requests sent to it
        // before the heartbeat notices are retried on its sibling after the attempt timeout.
        kill(workers[2].pid, SIGKILL)
        check(try client.exchange(messages.map { ($0.id, $0.bytes) }, window: 8), "after the kill")
        // Within the heartbeat timeout (350 ms) the silent replica is declared dead.
        var status = StatusResponse(requestID: "")
        for n in 0..<30 {
            guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s\(n)")), id: "s\(n)") else { return XCTFail("no status") }
            status = s
            if s.shards[1].replicasAlive == 1 { break }
            usleep(100_000)
        }
        XCTAssertGreaterThan(status.retries + status.failovers, 0, "some work was moved off the dead replica")
        XCTAssertEqual(status.shards[1].replicasAlive, 1, "the dead replica is out of rotation")
        XCTAssertEqual(status.shards[0].replicasAlive, 2)
        XCTAssertGreaterThanOrEqual(status.heartbeatMisses, 1)
        check(try client.exchange(messages, window: 8), "with the replica gone")
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
        let coordinator = try launch(["coordinator", "--model", model, "--workers", endpoints.joined(separator: "|"),
                                      "--bind", "tcp://127.0.0.1:*"])
        defer { coordinator.terminate(); workers.forEach { $0.terminate() } }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        let messages = (0..<400).map { n -> (id: String, bytes: [UInt8]) in
            let items = (0..<8).map { "i\(1 + (n * 7 + $0 * 3) % 90)" }
            return ("q\(n)", ClientMessage.recommend(RecommendRequest(requestID: "q\(n)", itemIDs: items, ratings: Array(repeating: 5, count: 8), k: 10))
                .serializedBytes())
        }
        // SIGTERM one replica while requests are pipelined through the pair.
        let victim = workers[0].pid
        let stopper = Thread { usleep(150_000); kill(victim, SIGTERM) }
        stopper.start()
        var replies: [String: ServerMessage] = [:]
        for chunk in stride(from: 0, to: messages.count, by: 50) {
            replies.merge(try client.exchange(Array(messages[chunk..<min(messages.count, chunk + 50)]), window: 4)) { $1 }
            usleep(50_000)
        }
        XCTAssertEqual(replies.count, messages.count)
        XCTAssertTrue(replies.values.allSatisfy { if case let .recommend(r) = $0 { return r.coverage == 1 } else { return false } },
                      "every reply complete")
        let deadline = Date().addingTimeInterval(5)
        while workers[0].isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(workers[0].isRunning)
        XCTAssertTrue(workers[0].terminate(), "the drained worker exited 0 by itself")
        guard case let .status(status) = try client.send(.status(StatusRequest(requestID: "s")), id: "s") else { return XCTFail("no status") }
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
        let offline = try CLI.run(["recommend", "--model", ServingTests.fixture.model, "--histories", dir + "/histories.tsv", "-k", "10",
                                   "--output", dir + "/offline-secure.tsv"])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let query = try CLI.run(["query", "--coordinator", endpoint, "--histories", dir + "/histories.tsv", "-k", "10",
                                 "--output", dir + "/online-secure.tsv"] + client)
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir + "/online-secure.tsv", encoding: .utf8),
                       try String(contentsOfFile: dir + "/offline-secure.tsv", encoding: .utf8))
        // A plaintext client, an unlisted key and a wrong server key get nothing.
        let stranger = try CLI.run(["keys", "generate", "--out", keys + "/stranger"])
        XCTAssertEqual(stranger.status, 0, stranger.stderr)
        let attempts: [(String, [String])] = [
            ("plaintext", []),
            ("unlisted key", ["--curve-secret", keys + "/stranger.key", "--curve-server-key", keys + "/coordinator.pub"]),
            ("wrong server key", ["--curve-secret", keys + "/clients/client.key", "--curve-server-key", keys + "/worker.pub"]),
        ]
        for (name, flags) in attempts {
            let refused = try CLI.run(["query", "--coordinator", endpoint, "--history", "i1:5,i2:4", "--timeout", "1"] + flags)
            XCTAssertNotEqual(refused.status, 0, "\(name) was answered: \(refused.stdout)")
            XCTAssertTrue(refused.stderr.contains("no reply"), "\(name): \(refused.stderr)")
        }
        // The Python example client speaks CURVE too, and gets the Swift client's answer.
        let check = try CLIShell.run("/bin/sh", ["-c", "python3 -c 'import zmq, google.protobuf' && command -v protoc"])
        if check.status == 0 {
            let swift = try CLI.run(["query", "--coordinator", endpoint, "--history", "i1:5,i4:5", "-k", "7"] + client)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("deploy/python-client/efficientrec_client.py").path
            let python = try CLIShell.run("/usr/bin/env", ["python3", script, "--coordinator", endpoint, "--history", "i1:5,i4:5", "-k", "7"] + client)
            XCTAssertEqual(python.status, 0, python.stderr)
            XCTAssertEqual(python.stdout, swift.stdout)
        }
        let status = try CLI.run(["status", "--coordinator", endpoint] + client)
        XCTAssertEqual(status.status, 0, status.stderr)
        let counters = try XCTUnwrap(status.stdout.split(separator: "\n").first { $0.contains("CURVE refused") })
        let numbers = counters.split(separator: ";").last!.split(separator: ",").map { Int($0.split(separator: " ").last!)! }
        XCTAssertGreaterThanOrEqual(numbers[0], 1, "the unlisted key was refused and counted: \(counters)")
        XCTAssertGreaterThanOrEqual(numbers[1], 3, "every failed handshake was counted: \(counters)")
    }

    func testPrometheusMetricsAndHealthAreServedOverHTTPAndSIGTERMExitsZero() throws {
        let model = ServingTests.fixture.model
        let worker = try launch(["worker", "--model", model, "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*",
                                 "--metrics-bind", "127.0.0.1:0"])
        defer { worker.terminate() }
        let workerEndpoint = String(try worker.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let workerMetrics = String(try worker.firstLine(containing: "metrics on", timeoutSeconds: 30).split(separator: " ").last!)
        let coordinator = try launch(["coordinator", "--model", model, "--workers", workerEndpoint, "--bind", "tcp://127.0.0.1:*",
                                      "--metrics-bind", "127.0.0.1:0"])
        defer { coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let metrics = String(try coordinator.firstLine(containing: "metrics on", timeoutSeconds: 30).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        for n in 0..<3 {
            guard case .recommend = try client.send(.recommend(RecommendRequest(requestID: "m\(n)", itemIDs: ["i1", "i2"], ratings: [5, 4], k: 5)),
                                                    id: "m\(n)") else { return XCTFail("no recommendation") }
        }
        _ = try client.send(.recommend(RecommendRequest(requestID: "bad", itemIDs: ["i1"], ratings: [5], k: 0)), id: "bad")
        func fetch(_ url: String) throws -> String {
            let r = try CLIShell.run("/usr/bin/env", ["python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())", url])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdout
        }
        // Counters reach the scrape after the loop's next turn.
        var text = ""
        for _ in 0..<20 {
            text = try fetch(metrics)
            if text.contains("efficientrec_requests_total 3") { break }
            usleep(100_000)
        }
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

    func testAShardAddedLiveBySIGHUPServesWithoutAFailedOrPartialReply() throws {
        let model = ServingTests.fixture.model
        var workers: [LocalProcess] = []
        defer { workers.forEach { $0.terminate() } }
        func startWorker(shard: Int, shards: Int) throws -> String {
            let w = try launch(["worker", "--model", model, "--shard", "\(shard)", "--shards", "\(shards)", "--bind", "tcp://127.0.0.1:*"])
            workers.append(w)
            return String(try w.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        }
        let dir = TestFixtures.temporaryDirectory("reshard")
        func writeConfig(_ shards: [String]) {
            let list = shards.map { "{\"replicas\": [\"\($0)\"]}" }.joined(separator: ", ")
            TestFixtures.write("{\"model\": \"\(model)\", \"coordinator\": {\"bind\": \"tcp://127.0.0.1:*\"}, \"shards\": [\(list)]}", to: dir + "/cluster.json")
        }
        var shardEndpoints = [try startWorker(shard: 0, shards: 2), try startWorker(shard: 1, shards: 2)]
        writeConfig(shardEndpoints)
        let coordinator = try launch(["coordinator", "--config", dir + "/cluster.json"])
        defer { coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        // Offline answers for 60 users, and their requests.
        let loaded = try ModelFile.load(path: model)
        let log = try InteractionLog.read(path: ServingTests.fixture.dir + "/interactions.tsv")
        var expected: [String: [String]] = [:]
        var messages: [(id: String, bytes: [UInt8])] = []
        var vote = loaded.makeVote()
        for u in 0..<60 {
            let h = log.history(of: u)
            let ids = h.items.map { log.items[$0] }
            let (mapped, _) = loaded.mapHistory(itemIDs: ids, ratings: h.ratings)
            expected["u\(u)"] = loaded.recommend(history: mapped, attributes: loaded.attributes.encode(nil), k: 10, vote: &vote).items
                .map { loaded.items[$0.index] }
            messages.append(("u\(u)", ClientMessage.recommend(RecommendRequest(requestID: "u\(u)", itemIDs: ids, ratings: h.ratings, k: 10))
                .serializedBytes()))
        }
        let client = try QueryClient(coordinator: endpoint)
        var rounds = 0
        func round(_ phase: String) throws {
            rounds += 1
            let replies = try client.exchange(messages, window: 8)
            XCTAssertEqual(replies.count, messages.count, phase)
            for (id, reply) in replies {
                guard case let .recommend(r) = reply else { XCTFail("\(phase) \(id): \(reply)"); continue }
                XCTAssertEqual(r.coverage, 1, "\(phase) \(id): \(r.degradedReasons)")
                XCTAssertEqual(r.itemIDs, expected[id], "\(phase) \(id)")
            }
        }
        func shardCount() throws -> Int {
            guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s\(rounds)")), id: "s\(rounds)") else { return -1 }
            return s.shards.count
        }
        try round("before")
        XCTAssertEqual(try shardCount(), 2)
        // Add shard 2: start its worker with the grown map, extend the config, SIGHUP the coordinator.
        shardEndpoints.append(try startWorker(shard: 2, shards: 3))
        writeConfig(shardEndpoints)
        kill(coordinator.pid, SIGHUP)
        var grown = false
        for _ in 0..<40 where !grown {
            try round("while growing")
            grown = try shardCount() == 3
        }
        XCTAssertTrue(grown, "the coordinator switched to 3 shards")
        try round("after")
        guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "final")), id: "final") else { return XCTFail("no status") }
        XCTAssertGreaterThan(s.shards[2].requests, 0, "the new shard gets traffic")
        XCTAssertEqual(s.errors, 0)
        XCTAssertEqual(s.degraded, 0)
    }

    func testTheLastShardRemovedLiveBySIGHUPIsDrainedWithoutAFailedOrPartialReply() throws {
        let model = ServingTests.fixture.model
        var workers: [LocalProcess] = []
        defer { workers.forEach { $0.terminate() } }
        var endpoints: [String] = []
        for shard in 0..<3 {
            let w = try launch(["worker", "--model", model, "--shard", "\(shard)", "--shards", "3", "--bind", "tcp://127.0.0.1:*"])
            workers.append(w)
            endpoints.append(String(try w.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!))
        }
        let dir = TestFixtures.temporaryDirectory("shrink")
        func writeConfig(_ shards: [String]) {
            let list = shards.map { "{\"replicas\": [\"\($0)\"]}" }.joined(separator: ", ")
            TestFixtures.write("{\"model\": \"\(model)\", \"coordinator\": {\"bind\": \"tcp://127.0.0.1:*\"}, \"shards\": [\(list)]}", to: dir + "/cluster.json")
        }
        writeConfig(endpoints)
        let coordinator = try launch(["coordinator", "--config", dir + "/cluster.json"])
        defer { coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let loaded = try ModelFile.load(path: model)
        let log = try InteractionLog.read(path: ServingTests.fixture.dir + "/interactions.tsv")
        var expected: [String: [String]] = [:]
        var messages: [(id: String, bytes: [UInt8])] = []
        var vote = loaded.makeVote()
        for u in 0..<60 {
            let h = log.history(of: u)
            let ids = h.items.map { log.items[$0] }
            let (mapped, _) = loaded.mapHistory(itemIDs: ids, ratings: h.ratings)
            expected["u\(u)"] = loaded.recommend(history: mapped, attributes: loaded.attributes.encode(nil), k: 10, vote: &vote).items
                .map { loaded.items[$0.index] }
            messages.append(("u\(u)", ClientMessage.recommend(RecommendRequest(requestID: "u\(u)", itemIDs: ids, ratings: h.ratings, k: 10))
                .serializedBytes()))
        }
        let client = try QueryClient(coordinator: endpoint)
        var rounds = 0
        func round(_ phase: String) throws {
            rounds += 1
            let replies = try client.exchange(messages, window: 8)
            XCTAssertEqual(replies.count, messages.count, phase)
            for (id, reply) in replies {
                guard case let .recommend(r) = reply else { XCTFail("\(phase) \(id): \(reply)"); continue }
                XCTAssertEqual(r.coverage, 1, "\(phase) \(id): \(r.degradedReasons)")
                XCTAssertEqual(r.itemIDs, expected[id], "\(phase) \(id)")
            }
        }
        func status() throws -> StatusResponse? {
            guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s\(rounds)")), id: "s\(rounds)") else { return nil }
            return s
        }
        try round("before")
        // Remove shard 2: shards 0 and 1 load its clusters (the model file again), then traffic moves.
        writeConfig(Array(endpoints.prefix(2)))
        kill(coordinator.pid, SIGHUP)
        var shrunk = false
        for _ in 0..<60 where !shrunk {
            try round("while shrinking")
            shrunk = try status()?.shards.count == 2
        }
        XCTAssertTrue(shrunk, "the coordinator switched to 2 shards")
        let sentBefore = try XCTUnwrap(try status()).shards.count
        XCTAssertEqual(sentBefore, 2)
        // The removed worker is stopped; nothing is lost.
        XCTAssertTrue(workers[2].terminate(), "the removed worker exits 0")
        try round("after")
        let final = try XCTUnwrap(try status())
        XCTAssertEqual(final.errors, 0)
        XCTAssertEqual(final.degraded, 0)
    }

    func testAModelRolloutUnderLoadSwitchesAtomicallyAndRollsBack() throws {
        let fixture = ServingTests.fixture
        let dir = TestFixtures.temporaryDirectory("rollout")
        let modelA = fixture.model, modelB = dir + "/model-b.efr"
        let train = try CLI.run(["train", "--interactions", fixture.dir + "/interactions.tsv", "--items", fixture.dir + "/items.tsv",
                                 "--users", fixture.dir + "/users.tsv", "--out", modelB, "--clusters", "24", "--top-clusters", "5",
                                 "--shortlist-length", "30", "--epochs", "4", "--sparse-epochs", "1", "--embedding-dim", "16",
                                 "--profile-dim", "16", "--head-hidden", "32", "--threads", "1", "--seed", "99"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let a = try ModelFile.load(path: modelA), b = try ModelFile.load(path: modelB)
        XCTAssertNotEqual(a.version, b.version)
        var workers: [LocalProcess] = []
        defer { workers.forEach { $0.terminate() } }
        // Workers read the model path from the config (SIGHUP re-reads it); they bind ports the
        // kernel picks, so the config lists placeholders until their endpoints are known.
        var endpoints = ["tcp://127.0.0.1:1", "tcp://127.0.0.1:2"]
        writeConfig(model: modelA)
        for shard in 0..<2 {
            let w = try launch(["worker", "--config", dir + "/cluster.json", "--shard", "\(shard)", "--bind", "tcp://127.0.0.1:*"])
            workers.append(w)
            endpoints[shard] = String(try w.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        }
        func writeConfig(model: String) {
            let list = endpoints.map { "{\"replicas\": [\"\($0)\"]}" }.joined(separator: ", ")
            TestFixtures.write("{\"model\": \"\(model)\", \"coordinator\": {\"bind\": \"tcp://127.0.0.1:*\"}, \"shards\": [\(list)]}",
                               to: dir + "/cluster.json")
        }
        writeConfig(model: modelA)
        let coordinator = try launch(["coordinator", "--config", dir + "/cluster.json"])
        defer { coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        // Expected answers under each version.
        let log = try InteractionLog.read(path: fixture.dir + "/interactions.tsv")
        var expected: [String: [String: [String]]] = [a.version: [:], b.version: [:]]
        var messages: [(id: String, bytes: [UInt8])] = []
        for u in 0..<40 {
            let h = log.history(of: u)
            let ids = h.items.map { log.items[$0] }
            for m in [a, b] {
                var vote = m.makeVote()
                let (mapped, _) = m.mapHistory(itemIDs: ids, ratings: h.ratings)
                expected[m.version]!["u\(u)"] = m.recommend(history: mapped, attributes: m.attributes.encode(nil), k: 10, vote: &vote).items
                    .map { m.items[$0.index] }
            }
            messages.append(("u\(u)", ClientMessage.recommend(RecommendRequest(requestID: "u\(u)", itemIDs: ids, ratings: h.ratings, k: 10))
                .serializedBytes()))
        }
        let client = try QueryClient(coordinator: endpoint)
        var seen: [String: Int] = [:]
        func round(_ phase: String) throws {
            for (id, reply) in try client.exchange(messages, window: 8) {
                guard case let .recommend(r) = reply else { XCTFail("\(phase) \(id): \(reply)"); continue }
                XCTAssertEqual(r.coverage, 1, "\(phase) \(id)")
                XCTAssertEqual(r.itemIDs, expected[r.modelVersion]?[id], "\(phase) \(id): the answer is exactly version \(r.modelVersion)'s")
                seen[r.modelVersion, default: 0] += 1
            }
        }
        func serving() throws -> String {
            guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s")), id: "s") else { return "" }
            return s.modelVersion
        }
        try round("before")
        XCTAssertEqual(try serving(), a.version)
        // Roll out B: the config names it; workers load it beside A (SIGHUP); then the coordinator.
        writeConfig(model: modelB)
        for w in workers { kill(w.pid, SIGHUP) }
        kill(coordinator.pid, SIGHUP)
        var switched = false
        for _ in 0..<60 where !switched {
            try round("rolling out")
            switched = try serving() == b.version
        }
        XCTAssertTrue(switched, "the coordinator switched to B")
        try round("after")
        XCTAssertGreaterThan(seen[b.version] ?? 0, 0)
        // Roll back with one command: coordinator and workers still hold A.
        let rollback = try CLI.run(["rollback", "--coordinator", endpoint])
        XCTAssertEqual(rollback.status, 0, rollback.stderr)
        XCTAssertTrue(rollback.stdout.contains("serves model \(a.version)"), rollback.stdout)
        XCTAssertEqual(try serving(), a.version, "rolled back at once")
        writeConfig(model: modelA) // so that a later reload does not roll forward again
        let before = seen[b.version] ?? 0
        try round("after the rollback")
        XCTAssertEqual(seen[b.version] ?? 0, before, "no B answers after the rollback")
    }

    func testBeyondMaxInFlightRequestsGetAFastOverloadedErrorAndNothingHangs() throws {
        let model = ServingTests.fixture.model
        let worker = try launch(["worker", "--model", model, "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*"])
        defer { worker.terminate() }
        let workerEndpoint = String(try worker.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let coordinator = try launch(["coordinator", "--model", model, "--workers", workerEndpoint, "--bind", "tcp://127.0.0.1:*",
                                      "--max-in-flight", "1"])
        defer { coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        let burst = (0..<200).map { n in
            ("b\(n)", ClientMessage.recommend(RecommendRequest(requestID: "b\(n)", itemIDs: ["i\(1 + n % 80)", "i2"], ratings: [5, 4], k: 5))
                .serializedBytes())
        }
        let replies = try client.exchange(burst, window: 200, timeoutSeconds: 20)
        XCTAssertEqual(replies.count, 200, "every request got an answer")
        let refused = replies.values.filter { if case let .error(e) = $0 { return e.code == .overloaded } else { return false } }.count
        let answered = replies.values.filter { if case let .recommend(r) = $0 { return r.coverage == 1 && r.itemIDs.count == 5 } else { return false } }.count
        XCTAssertGreaterThan(refused, 0, "a pipelined burst exceeds one request in flight")
        XCTAssertGreaterThan(answered, 0)
        XCTAssertEqual(refused + answered, 200)
        guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s")), id: "s") else { return XCTFail("no status") }
        XCTAssertEqual(s.overloaded, UInt64(refused))
        XCTAssertEqual(s.inFlight, 0)
    }
}
