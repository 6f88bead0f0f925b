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

/// Stopping and killing the cluster's processes: clean exits, no orphans, coverage below one.
extension ServingTests {

    func testClusterStopsCleanlyOnSIGTERMWithNoOrphans() throws {
        let (cluster, endpoint) = try startCluster(shards: 2)
        let client = try QueryClient(coordinator: endpoint)
        guard case .status(let s) = try client.send(.status(StatusRequest(requestID: "s")), id: "s") else { return XCTFail() }
        XCTAssertEqual(s.shards.count, 2)
        let children = Self.childPIDs(of: cluster.pid)
        XCTAssertEqual(children.count, 3, "two workers and a coordinator")
        kill(cluster.pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while cluster.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(cluster.isRunning)
        XCTAssertEqual(cluster.status, 0, "every child exited 0 on SIGTERM by itself (cluster fails otherwise)")
        for pid in children { XCTAssertNotEqual(kill(pid, 0), 0, "process \(pid) outlived the cluster") }
    }

    func testAKilledWorkerGivesCoverageBelowOneByTheDeadline() throws {
        let model = Self.fixture.model
        var workers: [LocalProcess] = []
        var endpoints: [String] = []
        for shard in 0..<3 {
            let w = try launch(["worker", "--model", model, "--shard", "\(shard)", "--shards", "3", "--bind", "tcp://127.0.0.1:*"])
            workers.append(w)
            endpoints.append(String(try w.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!))
        }
        let coordinator = try launch([
            "coordinator", "--model", model, "--workers", endpoints.joined(separator: ","),
            "--bind", "tcp://127.0.0.1:*", "--default-deadline-ms", "300"
        ])
        defer { coordinator.terminate(); workers.forEach { $0.terminate() } }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 30).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        // A history whose answer holds an item of shard 1 (every shard owns part of every shortlist;
        // which items shard 1 owns follows from the trained model).
        let loaded = try ModelFile.load(path: model)
        let partition = try ItemPartition(shardCount: 3, itemLoads: ItemShard.itemLoads(loaded))
        let log = try InteractionLog.read(path: Self.fixture.dir + "/interactions.tsv")
        let candidates = (0..<log.users.count).lazy.map { u in (log.history(of: u).items.map { log.items[$0] }, log.history(of: u).ratings) }
        let chosen = candidates.first { ids, ratings in
            let (h, _) = loaded.mapHistory(itemIDs: ids, ratings: ratings)
            var vote = loaded.makeVote()
            let answer = loaded.recommend(history: h, attributes: loaded.attributes.encode(nil), k: 10, vote: &vote)
            return answer.filledFromPopularity == 0 && answer.items.contains { partition.owner(of: $0.index) == 1 }
        }
        let (history, ratings) = try XCTUnwrap(chosen, "no user's answer holds an item of shard 1")
        let request = RecommendRequest(requestID: "before", itemIDs: history, ratings: ratings, k: 10)
        guard case let .recommend(full) = try client.send(.recommend(request), id: "before") else { return XCTFail() }
        XCTAssertEqual(full.coverage, 1)
        // Asked at once after the kill: whether or not the heartbeat has noticed yet, shard 1 does
        // not answer and the reply comes at the deadline with what the other shards gave.
        kill(workers[1].pid, SIGKILL)
        var after = request
        after.requestID = "after"
        let started = Date()
        guard case let .recommend(partial) = try client.send(.recommend(after), id: "after") else { return XCTFail() }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertLessThan(elapsed, 2.0, "answered by the deadline, not a hang")
        let shard1Items = Set(full.itemIDs.filter { loaded.items.index(of: $0).map { partition.owner(of: $0) == 1 } ?? false })
        XCTAssertFalse(shard1Items.isEmpty, "the test history's answer must hold an item of shard 1")
        XCTAssertTrue(shard1Items.isDisjoint(with: partial.itemIDs), "shard 1's items are missing, not invented")
        XCTAssertEqual(partial.coverage, 2.0 / 3, accuracy: 1e-9)
        XCTAssertTrue(partial.degradedReasons.contains { $0.contains("shard 1") }, "\(partial.degradedReasons)")
        XCTAssertEqual(partial.itemIDs.count, 10)
    }

    static func childPIDs(of pid: Int32) -> [Int32] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return [] }
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
