import Foundation
import RecApp
import RecTestSupport
import XCTest

/// A bulk `query --histories` (and the Python client's `--histories`) against a cluster at its
/// default flags: more users than the coordinator admits at once, every one answered exactly as
/// offline `recommend` answers.
final class BulkQueryTests: XCTestCase {
    static let users = 1_000

    /// 1,000 new users' histories over the fixture model's items (another seed than training).
    static let histories: String = {
        let dir = TestFixtures.temporaryDirectory("bulk")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["generate", "--users", "\(users)", "--items", "90", "--groups", "3", "--out", dir, "--seed", "21"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try! p.run()
        p.waitUntilExit()
        precondition(p.terminationStatus == 0, "generate failed")
        return dir + "/interactions.tsv"
    }()

    static var pythonClient: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/python-client/efficientrec_client.py").path
    }

    func testAThousandUserQueryAtDefaultFlagsEqualsRecommendWithOneAndThreeShards() throws {
        let model = ServingTests.fixture.model
        let offline = try CLI.run(["recommend", "--model", model, "--histories", Self.histories, "-k", "50"])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let answered = Set(offline.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t")[0] })
        XCTAssertEqual(answered.count, Self.users, "offline recommend answers every user")
        try Prerequisite.python()
        for shards in [1, 3] {
            let cluster = try LocalProcess.launch(CLI.binary, ["cluster", "--model", model, "--shards", "\(shards)", "--port", "0"])
            defer { XCTAssertTrue(cluster.terminate(), "\(shards) shards: the cluster stopped cleanly") }
            let endpoint = String(try cluster.firstLine(containing: "coordinator: tcp", timeoutSeconds: 60).split(separator: " ")[1])
            let query = try CLI.run(["query", "--coordinator", endpoint, "--histories", Self.histories, "-k", "50"])
            XCTAssertEqual(query.status, 0, "\(shards) shards: " + query.stderr)
            XCTAssertFalse(query.stderr.contains("overloaded"), "\(shards) shards: " + query.stderr)
            XCTAssertEqual(query.stdout, offline.stdout, "\(shards) shards: query --histories differs from recommend")
            let py = try CLIShell.run(
                "/usr/bin/env",
                [
                    "python3", Self.pythonClient, "--coordinator", endpoint,
                    "--histories", Self.histories, "-k", "50"
                ])
            XCTAssertEqual(py.status, 0, "\(shards) shards, Python: " + py.stderr)
            XCTAssertEqual(py.stdout, offline.stdout, "\(shards) shards: the Python client's --histories differs from recommend")
        }
    }

    /// The pacing itself: a coordinator that admits one request at a time still answers a batch
    /// of 64 completely, because refused requests are sent again after a backoff.
    func testRequestsRefusedAsOverloadedAreSentAgainUntilAnswered() throws {
        try Prerequisite.python()
        let model = ServingTests.fixture.model
        let worker = try LocalProcess.launch(CLI.binary, ["worker", "--model", model, "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*"])
        defer { worker.terminate() }
        let workerEndpoint = String(try worker.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let coordinator = try LocalProcess.launch(
            CLI.binary,
            [
                "coordinator", "--model", model, "--workers", workerEndpoint,
                "--bind", "tcp://127.0.0.1:*", "--max-in-flight", "1"
            ])
        defer { coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let offline = try CLI.run(["recommend", "--model", model, "--histories", ServingTests.fixture.dir + "/histories.tsv", "-k", "5"])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let query = try CLI.run(["query", "--coordinator", endpoint, "--histories", ServingTests.fixture.dir + "/histories.tsv", "-k", "5"])
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertEqual(query.stdout, offline.stdout)
        let status = try CLI.run(["status", "--coordinator", endpoint])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertNotNil(
            status.stdout.range(of: #"overloaded[^0-9]*[1-9]"#, options: .regularExpression),
            "the batch exceeded one request in flight, so some were refused and sent again: \(status.stdout)")
        let py = try CLIShell.run(
            "/usr/bin/env",
            [
                "python3", Self.pythonClient, "--coordinator", endpoint,
                "--histories", ServingTests.fixture.dir + "/histories.tsv", "-k", "5"
            ])
        XCTAssertEqual(py.status, 0, py.stderr)
        XCTAssertEqual(py.stdout, offline.stdout, "the Python client retries refused requests too")
    }

    /// Histories longer than the model's window whose file order is not their time order: both
    /// clients send the timestamps, so the coordinator keeps the same (most recent) interactions
    /// as `recommend` does.
    func testBothClientsSendTimestampsSoTheWindowKeepsTheSameInteractions() throws {
        try Prerequisite.python()
        let fixture = ServingTests.fixture
        let dir = TestFixtures.temporaryDirectory("window")
        let train = try CLI.run([
            "train", "--interactions", fixture.dir + "/interactions.tsv", "--out", dir + "/window.efr",
            "--window", "4", "--clusters", "12", "--top-clusters", "3", "--shortlist-length", "20", "--epochs", "2",
            "--sparse-epochs", "1", "--embedding-dim", "8", "--profile-dim", "8", "--head-hidden", "16", "--threads", "1"
        ])
        XCTAssertEqual(train.status, 0, train.stderr)
        // Ten users of 12 interactions each, written newest first.
        var text = "user\titem\trating\ttimestamp\n"
        for u in 0..<10 {
            for n in 0..<12 { text += "u\(u)\ti\(1 + (u * 7 + n * 5) % 90)\t\(3 + n % 3)\t\(1_000 - n)\n" }
        }
        let histories = dir + "/reversed.tsv"
        XCTAssertTrue(FileManager.default.createFile(atPath: histories, contents: Data(text.utf8)))
        let offline = try CLI.run(["recommend", "--model", dir + "/window.efr", "--histories", histories, "-k", "10"])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let cluster = try LocalProcess.launch(CLI.binary, ["cluster", "--model", dir + "/window.efr", "--shards", "2", "--port", "0"])
        defer { XCTAssertTrue(cluster.terminate()) }
        let endpoint = String(try cluster.firstLine(containing: "coordinator: tcp", timeoutSeconds: 60).split(separator: " ")[1])
        let query = try CLI.run(["query", "--coordinator", endpoint, "--histories", histories, "-k", "10"])
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertEqual(query.stdout, offline.stdout)
        let py = try CLIShell.run("/usr/bin/env", ["python3", Self.pythonClient, "--coordinator", endpoint, "--histories", histories, "-k", "10"])
        XCTAssertEqual(py.status, 0, py.stderr)
        XCTAssertEqual(py.stdout, offline.stdout, "the Python client keeps the window's most recent interactions too")
    }
}
