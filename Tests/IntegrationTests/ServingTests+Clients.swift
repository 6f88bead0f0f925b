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

/// Clients other than `query` (the Python command line) and filtered queries, against the cluster.
extension ServingTests {

    func testPythonClientGetsTheSameAnswerAsTheSwiftClient() throws {
        try Prerequisite.python()
        let (cluster, endpoint) = try startCluster(shards: 3)
        defer { cluster.terminate() }
        let history = "i1:5,i4:5,i7:4,i10:2"
        let swift = try CLI.run(["query", "--coordinator", endpoint, "--history", history, "-k", "12"])
        XCTAssertEqual(swift.status, 0, swift.stderr)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/python-client/efficientrec_client.py").path
        let python = try CLIShell.run("/usr/bin/env", ["python3", script, "--coordinator", endpoint, "--history", history, "-k", "12"])
        XCTAssertEqual(python.status, 0, python.stderr)
        XCTAssertEqual(python.stdout, swift.stdout)
        XCTAssertEqual(python.stdout.split(separator: "\n").count, 13)
        // With filters, written from the .proto alone.
        let excluded = TestFixtures.temporaryDirectory("py-filter") + "/exclude.txt"
        FileManager.default.createFile(atPath: excluded, contents: Data("i2\ni3\n".utf8))
        let filters = ["--exclude-items", excluded, "--where", "year >= 1960", "--where", "genre not in genre-2"]
        let swiftFiltered = try CLI.run(["query", "--coordinator", endpoint, "--history", history, "-k", "12"] + filters)
        XCTAssertEqual(swiftFiltered.status, 0, swiftFiltered.stderr)
        let pythonFiltered = try CLIShell.run(
            "/usr/bin/env", ["python3", script, "--coordinator", endpoint, "--history", history, "-k", "12"] + filters)
        XCTAssertEqual(pythonFiltered.status, 0, pythonFiltered.stderr)
        XCTAssertEqual(pythonFiltered.stdout, swiftFiltered.stdout)
        XCTAssertNotEqual(pythonFiltered.stdout, python.stdout, "the filters changed the answer")
        // Batches: every user of a histories file, 7 requests per message, answered in order.
        let histories = Self.fixture.dir + "/histories.tsv"
        let swiftBatch = try CLI.run(["query", "--coordinator", endpoint, "--histories", histories, "-k", "5"])
        XCTAssertEqual(swiftBatch.status, 0, swiftBatch.stderr)
        let swiftExplained = try CLI.run(["query", "--coordinator", endpoint, "--histories", histories, "-k", "5", "--explain"])
        XCTAssertEqual(swiftExplained.status, 0, swiftExplained.stderr)
        let pythonExplained = try CLIShell.run(
            "/usr/bin/env",
            [
                "python3", script, "--coordinator", endpoint, "--histories", histories,
                "-k", "5", "--explain"
            ])
        XCTAssertEqual(pythonExplained.status, 0, pythonExplained.stderr)
        XCTAssertEqual(pythonExplained.stdout, swiftExplained.stdout, "explanations read from the .proto alone")
        let pythonBatch = try CLIShell.run(
            "/usr/bin/env",
            [
                "python3", script, "--coordinator", endpoint, "--histories", histories,
                "-k", "5", "--batch", "7"
            ])
        XCTAssertEqual(pythonBatch.status, 0, pythonBatch.stderr)
        XCTAssertEqual(pythonBatch.stdout, swiftBatch.stdout)
        XCTAssertGreaterThan(pythonBatch.stdout.split(separator: "\n").count, 50)
    }

    /// filters through real processes: `query` with filters answers exactly as offline
    /// `recommend` with the same filters, for every user of the histories file.
    func testFilteredQueriesEqualFilteredOfflineRecommend() throws {
        let dir = Self.fixture.dir
        let excluded = dir + "/exclude-items.txt"
        FileManager.default.createFile(atPath: excluded, contents: Data("i1\ni5\ni9\ni30\nnot-an-item\n".utf8))
        // With explanations too: both print the same two more columns.
        let filters = ["--exclude-items", excluded, "--where", "genre in genre-0|genre-1", "--where", "year>=1955", "--explain"]
        let offline = try CLI.run(
            [
                "recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv",
                "-k", "10", "--output", dir + "/offline-filtered.tsv"
            ] + filters)
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let (cluster, endpoint) = try startCluster(shards: 3)
        defer { cluster.terminate() }
        let query = try CLI.run(
            [
                "query", "--coordinator", endpoint, "--histories", dir + "/histories.tsv",
                "-k", "10", "--output", dir + "/online-filtered.tsv"
            ] + filters)
        XCTAssertEqual(query.status, 0, query.stderr)
        let online = try String(contentsOfFile: dir + "/online-filtered.tsv", encoding: .utf8)
        XCTAssertEqual(online, try String(contentsOfFile: dir + "/offline-filtered.tsv", encoding: .utf8))
        XCTAssertTrue(online.hasPrefix("user\titem\trank\tscore\tclusters\tbecause\n"), String(online.prefix(80)))
        XCTAssertTrue(
            online.split(separator: "\n").dropFirst().contains { $0.split(separator: "\t", omittingEmptySubsequences: false)[4].hasPrefix("c") },
            "no item was explained")
        let items = online.split(separator: "\n").dropFirst().map { String($0.split(separator: "\t")[1]) }
        XCTAssertGreaterThan(items.count, 100)
        XCTAssertTrue(Set(items).isDisjoint(with: ["i1", "i5", "i9", "i30"]), "an excluded item was recommended")
        // A condition naming an attribute the catalogue lacks is refused before anything is sent.
        let bad = try CLI.run(["recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv", "--where", "colour in red"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("no attribute 'colour'"), bad.stderr)
    }
}
