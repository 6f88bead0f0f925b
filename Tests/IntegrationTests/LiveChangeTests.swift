import EfficientRecClient
import Foundation
import RecApp
import RecData
import RecInference
import RecModelFile
import RecServer
import RecTestSupport
import RecWire
import XCTest

/// Changing a running cluster with real processes under pipelined load: adding and removing a
/// shard (SIGHUP after a config edit) and rolling a model version out and back.
final class LiveChangeTests: XCTestCase {
    func launch(_ args: [String]) throws -> LocalProcess {
        try LocalProcess.launch(CLI.binary, args)
    }

    /// A cluster config naming `model` and one replica per shard at `shards`.
    func writeConfig(to path: String, model: String, shards: [String]) {
        let list = shards.map { "{\"replicas\": [\"\($0)\"]}" }.joined(separator: ", ")
        TestFixtures.write("{\"model\": \"\(model)\", \"coordinator\": {\"bind\": \"tcp://127.0.0.1:*\"}, \"shards\": [\(list)]}", to: path)
    }

    /// Starts `args` and returns the process with the endpoint it announces.
    func start(_ args: [String]) throws -> (LocalProcess, String) {
        let process = try launch(args)
        return (process, String(try process.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!))
    }

    func testAShardAddedLiveBySIGHUPServesWithoutAFailedOrPartialReply() throws {
        let model = ServingTests.fixture.model
        var workers: [LocalProcess] = []
        defer { workers.forEach { $0.terminate() } }
        func startWorker(shard: Int, shards: Int) throws -> String {
            let (w, endpoint) = try start(["worker", "--model", model, "--shard", "\(shard)", "--shards", "\(shards)", "--bind", "tcp://127.0.0.1:*"])
            workers.append(w)
            return endpoint
        }
        let config = TestFixtures.temporaryDirectory("reshard") + "/cluster.json"
        func writeConfig(_ shards: [String]) { self.writeConfig(to: config, model: model, shards: shards) }
        var shardEndpoints = [try startWorker(shard: 0, shards: 2), try startWorker(shard: 1, shards: 2)]
        writeConfig(shardEndpoints)
        let (coordinator, endpoint) = try start(["coordinator", "--config", config])
        defer { coordinator.terminate() }
        let workload = try ExactWorkload(models: [try ModelFile.load(path: model)])
        let client = try QueryClient(coordinator: endpoint)
        var rounds = 0
        func round(_ phase: String) throws {
            rounds += 1
            try workload.round(client, phase)
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
        let grownDeadline = Date().addingTimeInterval(60)  // an event (the switch), waited for generously
        while !grown && Date() < grownDeadline {
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
            let (w, endpoint) = try start(["worker", "--model", model, "--shard", "\(shard)", "--shards", "3", "--bind", "tcp://127.0.0.1:*"])
            workers.append(w)
            endpoints.append(endpoint)
        }
        let config = TestFixtures.temporaryDirectory("shrink") + "/cluster.json"
        func writeConfig(_ shards: [String]) { self.writeConfig(to: config, model: model, shards: shards) }
        writeConfig(endpoints)
        let (coordinator, endpoint) = try start(["coordinator", "--config", config])
        defer { coordinator.terminate() }
        let workload = try ExactWorkload(models: [try ModelFile.load(path: model)])
        let client = try QueryClient(coordinator: endpoint)
        var rounds = 0
        func round(_ phase: String) throws {
            rounds += 1
            try workload.round(client, phase)
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
        let shrunkDeadline = Date().addingTimeInterval(60)  // an event (the switch), waited for generously
        while !shrunk && Date() < shrunkDeadline {
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
        try rolloutAndRollback(threads: 1)
    }

    /// With several poll loops the first loads the new version and hands it to the others; an admin
    /// rollback reaches every loop before the admin hears it is done.
    func testAModelRolloutAndRollbackReachEveryPollLoop() throws {
        try rolloutAndRollback(threads: 3)
    }

    /// a model from `refresh` (new shortlists from a fresh log, no training) rolls out and
    /// back like any other version.
    func testARefreshedModelRollsOutLikeAnyOther() throws {
        try rolloutAndRollback(threads: 1, refreshed: true)
    }

    /// Rolls version B out to a cluster serving A under load, then back with the admin command;
    /// every reply in between is exactly one version's offline answer.
    func rolloutAndRollback(threads: Int, refreshed: Bool = false) throws {
        let fixture = ServingTests.fixture
        let dir = TestFixtures.temporaryDirectory("rollout")
        let config = dir + "/cluster.json"
        let modelA = fixture.model, modelB = dir + "/model-b.efr"
        try makeSecondVersion(of: modelA, at: modelB, in: dir, refreshed: refreshed)
        let a = try ModelFile.load(path: modelA), b = try ModelFile.load(path: modelB)
        XCTAssertNotEqual(a.version, b.version)
        var workers: [LocalProcess] = []
        defer { workers.forEach { $0.terminate() } }
        let endpoints = try startWorkers(config: config, model: modelA, into: &workers)
        func writeConfig(model: String) { self.writeConfig(to: config, model: model, shards: endpoints) }
        writeConfig(model: modelA)
        let coordinator = try launch(["coordinator", "--config", config, "--threads", "\(threads)"])
        let adminEndpoint = String(try coordinator.firstLine(containing: "admin endpoint on", timeoutSeconds: 30).split(separator: " ").last!)
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        defer { coordinator.terminate() }
        var load = VersionedLoad(workload: try ExactWorkload(models: [a, b], users: 40), client: try QueryClient(coordinator: endpoint))
        try load.round("before")
        XCTAssertEqual(try load.serving(), a.version)
        // Roll out B: the config names it; workers load it beside A (SIGHUP); then the coordinator.
        writeConfig(model: modelB)
        for w in workers { kill(w.pid, SIGHUP) }
        kill(coordinator.pid, SIGHUP)
        XCTAssertTrue(try load.roundsUntilServing(b.version, phase: "rolling out"), "the coordinator switched to B")
        try load.round("after")
        XCTAssertGreaterThan(load.seen[b.version] ?? 0, 0)
        try rollBack(to: a.version, from: b.version, endpoint: endpoint, adminEndpoint: adminEndpoint, threads: threads, load: load)
        writeConfig(model: modelA)  // so that a later reload does not roll forward again
        let before = load.seen[b.version] ?? 0
        try load.round("after the rollback")
        XCTAssertEqual(load.seen[b.version] ?? 0, before, "no B answers after the rollback")
    }

    /// Writes version B of the fixture's model A to `modelB` (scratch files in `dir`): with
    /// `refreshed`, A's encoder with shortlists counted from the second half of the log; else a
    /// model trained anew.
    private func makeSecondVersion(of modelA: String, at modelB: String, in dir: String, refreshed: Bool) throws {
        let fixture = ServingTests.fixture
        if refreshed {
            let lines = try String(contentsOfFile: fixture.dir + "/interactions.tsv", encoding: .utf8).split(separator: "\n")
            let recent = ([lines[0]] + lines.dropFirst(lines.count / 2)).joined(separator: "\n") + "\n"
            FileManager.default.createFile(atPath: dir + "/recent.tsv", contents: Data(recent.utf8))
            let refresh = try CLI.run(["refresh", "--model", modelA, "--interactions", dir + "/recent.tsv", "--out", modelB])
            XCTAssertEqual(refresh.status, 0, refresh.stderr)
        } else {
            let train = try CLI.run([
                "train", "--interactions", fixture.dir + "/interactions.tsv", "--items", fixture.dir + "/items.tsv",
                "--users", fixture.dir + "/users.tsv", "--out", modelB, "--clusters", "24", "--top-clusters", "5",
                "--shortlist-length", "30", "--epochs", "4", "--sparse-epochs", "1", "--embedding-dim", "16",
                "--profile-dim", "16", "--head-hidden", "32", "--threads", "1", "--seed", "99"
            ])
            XCTAssertEqual(train.status, 0, train.stderr)
        }
    }

    /// Starts the two shard workers, each reading the model path from `config` (SIGHUP re-reads it)
    /// and appended to `workers` as soon as it runs; returns their endpoints. They bind ports the
    /// kernel picks, so the config they start from lists placeholders.
    private func startWorkers(config: String, model: String, into workers: inout [LocalProcess]) throws -> [String] {
        var endpoints = ["tcp://127.0.0.1:1", "tcp://127.0.0.1:2"]
        writeConfig(to: config, model: model, shards: endpoints)
        for shard in endpoints.indices {
            let w = try launch(["worker", "--config", config, "--shard", "\(shard)", "--bind", "tcp://127.0.0.1:*"])
            workers.append(w)
            endpoints[shard] = String(try w.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        }
        return endpoints
    }

    /// Rollback is an admin action: refused on the data socket (naming the admin endpoint, changing
    /// nothing), accepted on the admin endpoint, and then every poll loop answers with `a` at once
    /// (coordinator and workers still hold it).
    private func rollBack(to a: String, from b: String, endpoint: String, adminEndpoint: String, threads: Int, load: VersionedLoad) throws {
        let refused = try CLI.run(["rollback", "--coordinator", endpoint])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("admin endpoint, \(adminEndpoint)"), "the refusal names where to go: " + refused.stderr)
        XCTAssertEqual(try load.serving(), b, "a refused rollback changes nothing")
        let rollback = try CLI.run(["rollback", "--coordinator", adminEndpoint])
        XCTAssertEqual(rollback.status, 0, rollback.stderr)
        XCTAssertTrue(rollback.stdout.contains("serves model \(a)"), rollback.stdout)
        // Status reaches whichever loop the proxy picks.
        for _ in 0..<(3 * threads) { XCTAssertEqual(try load.serving(), a, "rolled back at once") }
    }

    /// Pipelined rounds of an exact workload against one coordinator, counting the replies each
    /// model version gave.
    struct VersionedLoad {
        let workload: ExactWorkload
        let client: QueryClient
        private(set) var seen: [String: Int] = [:]

        init(workload: ExactWorkload, client: QueryClient) {
            self.workload = workload
            self.client = client
        }

        mutating func round(_ phase: String, file: StaticString = #filePath, line: UInt = #line) throws {
            seen.merge(try workload.round(client, phase, file: file, line: line)) { $0 + $1 }
        }

        /// The model version the coordinator reports ("" without a status reply).
        func serving() throws -> String {
            guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s")), id: "s") else { return "" }
            return s.modelVersion
        }

        /// Rounds until the coordinator serves `version`; false when it has not switched within a
        /// minute (an event, waited for generously).
        mutating func roundsUntilServing(
            _ version: String, phase: String, file: StaticString = #filePath,
            line: UInt = #line
        ) throws -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                try round(phase, file: file, line: line)
                if try serving() == version { return true }
            }
            return false
        }
    }
}
