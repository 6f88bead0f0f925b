import EfficientRecClient
import Foundation
import RecApp
import RecServer
import RecServing
import RecTestSupport
import RecWire
import XCTest

final class ClusterConfigTests: XCTestCase {
    var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testTheDeployExampleParsesAndAgreesWithTheCLI() throws {
        let config = try ClusterConfig.load(path: repository.appendingPathComponent("deploy/cluster.example.json").path)
        XCTAssertEqual(config.shards.count, 3)
        XCTAssertTrue(config.shards.allSatisfy { $0.replicas.count == 2 })
        XCTAssertEqual(config.coordinator?.bind, "tcp://127.0.0.1:5600")
        XCTAssertNil(config.validationError())
        let settings = try XCTUnwrap(config.coordinator).applied(to: CoordinatorCore.Configuration())
        XCTAssertEqual(settings.defaultDeadline, .milliseconds(500))
        XCTAssertEqual(settings.maxInFlight, 4_096)
        XCTAssertEqual(settings.latencyTarget, .milliseconds(25))
        XCTAssertEqual(settings.admissionSettings?.maximum, 4_096)
        XCTAssertEqual(settings.minCoverage, 0.5)
        XCTAssertEqual(settings.heartbeatInterval, .milliseconds(100))
        XCTAssertEqual(settings.heartbeatTimeout, .milliseconds(350))
        XCTAssertEqual(settings.attemptTimeout, .milliseconds(50))
        XCTAssertEqual(settings.hedging?.budgetRatio, 0.05)
        XCTAssertEqual(settings.hedging?.percentile, 0.95)
        XCTAssertNil(CoordinatorCore.Configuration().hedging, "hedging is off unless configured")
        var off = ClusterConfig.Coordinator(bind: "tcp://127.0.0.1:5600")
        off.latencyTargetMs = 0
        XCTAssertNil(off.applied(to: CoordinatorCore.Configuration()).latencyTarget, "0 turns the adaptive limit off")
        XCTAssertNil(off.applied(to: CoordinatorCore.Configuration()).admissionSettings)
    }

    func testBadConfigsGiveClearErrors() throws {
        let dir = TestFixtures.temporaryDirectory("config")
        func check(_ text: String, _ expected: String, line: UInt = #line) {
            let path = dir + "/c.json"
            TestFixtures.write(text, to: path)
            XCTAssertThrowsError(try ClusterConfig.load(path: path), line: line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)", line: line)
            }
        }
        check("{", "not valid")
        check(#"{"model": "m"}"#, "missing \"shards\"")
        check(#"{"shards": []}"#, "no shards")
        check(#"{"shards": [{"replicas": []}]}"#, "shard 0 has no replicas")
        check(#"{"shards": [{"replicas": ["localhost:1"]}]}"#, "is not an endpoint")
        check(#"{"shards": [{"replicas": ["tcp://a:1"]}, {"replicas": ["tcp://a:1"]}]}"#, "listed twice")
        check(#"{"shards": [{"replicas": [5]}]}"#, "wrong type")
        let shards = #""shards": [{"replicas": ["tcp://a:1"]}]"#
        check(#"{"coordinator": {"bind": "tcp://a:2", "minCoverage": 1.5}, "# + shards + "}", "min coverage must be between 0 and 1")
        check(#"{"coordinator": {"bind": "tcp://a:2", "attemptTimeoutMs": 0}, "# + shards + "}", "attemptTimeoutMs must be positive")
        check(
            #"{"coordinator": {"bind": "tcp://a:2", "heartbeatMs": 500, "heartbeatTimeoutMs": 300}, "# + shards + "}",
            "heartbeat timeout must be longer than the interval")
        check(#"{"coordinator": {"bind": "tcp://a:2", "hedgeBudget": 2}, "# + shards + "}", "hedging budget must be between 0 and 1")
        check(#"{"coordinator": {"bind": "tcp://a:2", "latencyTargetMs": -1}, "# + shards + "}", "latencyTargetMs must be 0 (off) or positive")
        // Huge values are refused by key.
        check(
            #"{"coordinator": {"bind": "tcp://a:2", "attemptTimeoutMs": 9223372036854775807}, "# + shards + "}",
            "coordinator.attemptTimeoutMs must be at most 86400000 (one day)")
        check(
            #"{"coordinator": {"bind": "tcp://a:2", "maxDeadlineMs": 9223372036854775807}, "# + shards + "}",
            "coordinator.maxDeadlineMs must be at most 86400000")
        check(
            #"{"coordinator": {"bind": "tcp://a:2", "maxDeadlineMs": 100}, "# + shards + "}",
            "the longest deadline must be at least the default deadline")
        // Without an explicit longest deadline, raising the default raises it too.
        var raised = ClusterConfig.Coordinator(bind: "tcp://a:2")
        raised.defaultDeadlineMs = 10_000
        XCTAssertEqual(raised.applied(to: .init()).maxDeadline, .seconds(10))
        XCTAssertNil(raised.applied(to: .init()).validationError())
        XCTAssertThrowsError(try ClusterConfig.load(path: dir + "/missing.json"))
    }

    func testCoordinatorAndWorkersStartFromAConfig() throws {
        let dir = TestFixtures.temporaryDirectory("config-run")
        let model = ServingTests.fixture.model
        // Workers take the shard count from the config; their endpoints are chosen by the kernel here.
        TestFixtures.write(
            #"{"model": "\#(model)", "shards": [{"replicas": ["tcp://127.0.0.1:1"]}, {"replicas": ["tcp://127.0.0.1:2"]}]}"#,
            to: dir + "/workers.json")
        var workers: [LocalProcess] = []
        var endpoints: [String] = []
        defer { workers.forEach { $0.terminate() } }
        for shard in 0..<2 {
            let w = try LocalProcess.launch(
                CLI.binary,
                [
                    "worker", "--config", dir + "/workers.json", "--shard", "\(shard)",
                    "--bind", "tcp://127.0.0.1:*"
                ])
            workers.append(w)
            let line = try w.firstLine(containing: "listening on", timeoutSeconds: 30)
            XCTAssertTrue(line.contains("shard \(shard)/2"), line)
            endpoints.append(String(line.split(separator: " ").last!))
        }
        TestFixtures.write(
            #"{"model": "\#(model)", "coordinator": {"bind": "tcp://127.0.0.1:*", "defaultDeadlineMs": 1000}, "#
                + #""shards": [{"replicas": ["\#(endpoints[0])"]}, {"replicas": ["\#(endpoints[1])"]}]}"#, to: dir + "/cluster.json")
        let coordinator = try LocalProcess.launch(CLI.binary, ["coordinator", "--config", dir + "/cluster.json"])
        workers.append(coordinator)
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        guard
            case let .recommend(r) = try client.send(
                .recommend(RecommendRequest(requestID: "c", itemIDs: ["i1", "i2"], ratings: [5, 4], k: 5)),
                id: "c")
        else { return XCTFail("no recommendation") }
        XCTAssertEqual(r.itemIDs.count, 5)
        XCTAssertEqual(r.coverage, 1)
        let missing = try CLI.run(["coordinator", "--model", model])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("exactly one of --workers and --config"), missing.stderr)
    }
}
