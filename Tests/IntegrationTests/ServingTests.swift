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

/// Real processes and real ZeroMQ sockets on 127.0.0.1 (ports chosen by the kernel).
final class ServingTests: XCTestCase {
    static let fixture: (dir: String, model: String) = {
        let dir = TestFixtures.temporaryDirectory("serve")
        let bin = CLI.binary
        func run(_ args: [String]) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = args
            p.standardError = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            try! p.run()
            p.waitUntilExit()
            precondition(p.terminationStatus == 0, "fixture command failed: \(args)")
        }
        run(["generate", "--users", "300", "--items", "90", "--groups", "3", "--out", dir, "--seed", "9"])
        run([
            "train", "--interactions", dir + "/interactions.tsv", "--items", dir + "/items.tsv", "--users", dir + "/users.tsv",
            "--out", dir + "/model.efr", "--clusters", "24", "--top-clusters", "5", "--shortlist-length", "30", "--epochs", "4",
            "--sparse-epochs", "1", "--embedding-dim", "16", "--profile-dim", "16", "--head-hidden", "32", "--threads", "1"
        ])
        // Histories: known users' histories plus a brand-new user and one with unknown items only.
        var text = (try? String(contentsOfFile: dir + "/interactions.tsv", encoding: .utf8)) ?? ""
        text = text.split(separator: "\n").prefix(400).joined(separator: "\n") + "\n"
        text += "newbie\ti3\t5\t1\nnewbie\ti6\t4\t2\nghost\tnot-an-item\t5\t3\n"
        FileManager.default.createFile(atPath: dir + "/histories.tsv", contents: Data(text.utf8))
        return (dir, dir + "/model.efr")
    }()

    func launch(_ args: [String]) throws -> LocalProcess {
        try LocalProcess.launch(CLI.binary, args)
    }

    func startCluster(shards: Int, replicas: Int = 1) throws -> (LocalProcess, String) {
        let cluster = try launch(["cluster", "--model", Self.fixture.model, "--shards", "\(shards)", "--replicas", "\(replicas)", "--port", "0"])
        let line = try cluster.firstLine(containing: "coordinator: tcp", timeoutSeconds: 60)
        return (cluster, String(line.split(separator: " ")[1]))
    }

    func testClusterAnswersEqualOfflineRecommendForOneTwoThreeAndSevenShardsAndReplicas() throws {
        let dir = Self.fixture.dir
        let offline = try CLI.run([
            "recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv",
            "-k", "10", "--output", dir + "/offline.tsv"
        ])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let expected = try String(contentsOfFile: dir + "/offline.tsv", encoding: .utf8)
        for (shards, replicas) in [(1, 1), (2, 1), (3, 1), (7, 1), (2, 2)] {
            let (cluster, endpoint) = try startCluster(shards: shards, replicas: replicas)
            let children = Self.childPIDs(of: cluster.pid)
            defer {
                XCTAssertTrue(cluster.terminate(), "\(shards) x \(replicas): the cluster stopped cleanly")
                for pid in children { XCTAssertNotEqual(kill(pid, 0), 0, "process \(pid) outlived the cluster") }
            }
            let query = try CLI.run([
                "query", "--coordinator", endpoint, "--histories", dir + "/histories.tsv",
                "-k", "10", "--output", dir + "/online-\(shards)x\(replicas).tsv"
            ])
            XCTAssertEqual(query.status, 0, query.stderr)
            let online = try String(contentsOfFile: dir + "/online-\(shards)x\(replicas).tsv", encoding: .utf8)
            XCTAssertEqual(online, expected, "\(shards) shards × \(replicas) replicas: the cluster's answer differs from recommend")
        }
    }

    /// `recommend --ranking vote` ranks the same pool by the vote alone (the two-stage default
    /// differs on this data); a bad value is refused before anything runs.
    func testRecommendCanRankByTheVoteAlone() throws {
        let dir = Self.fixture.dir
        let twoStage = try CLI.run(["recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv", "-k", "10"])
        let vote = try CLI.run([
            "recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv", "-k", "10",
            "--ranking", "vote"
        ])
        let explicit = try CLI.run([
            "recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv", "-k", "10",
            "--ranking", "two-stage"
        ])
        XCTAssertEqual(twoStage.status, 0, twoStage.stderr)
        XCTAssertEqual(vote.status, 0, vote.stderr)
        XCTAssertEqual(explicit.stdout, twoStage.stdout, "the fixture model ranks two-stage by default")
        XCTAssertNotEqual(vote.stdout, twoStage.stdout)
        XCTAssertEqual(vote.stdout.split(separator: "\n").count, twoStage.stdout.split(separator: "\n").count)
        let bad = try CLI.run(["recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv", "--ranking", "best"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("The value 'best' is invalid for '--ranking"), bad.stderr)
        // The blend can be overridden: the model's own blend (bound, 0.25) gives the model's answer; the
        // vote ranking has no blend to override; bad values are refused.
        let same = try CLI.run([
            "recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv", "-k", "10",
            "--vote-weight", "0.25", "--blend-scale", "bound"
        ])
        XCTAssertEqual(same.stdout, twoStage.stdout, same.stderr)
        let noBlend = try CLI.run([
            "recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv",
            "--ranking", "vote", "--vote-weight", "0.5"
        ])
        XCTAssertNotEqual(noBlend.status, 0)
        XCTAssertTrue(noBlend.stderr.contains("ranks by the vote"), noBlend.stderr)
        for (flag, value, message) in [("--vote-weight", "-1", "--vote-weight must be"), ("--blend-scale", "max", "invalid for '--blend-scale")] {
            let refused = try CLI.run(["recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv", flag + "=" + value])
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
        }
    }

    func testTwoCoordinatorsShareTheLoadAndAnswerExactlyAsRecommend() throws {
        let dir = Self.fixture.dir
        let offline = try CLI.run([
            "recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv",
            "-k", "10", "--output", dir + "/offline-2c.tsv"
        ])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let cluster = try launch(["cluster", "--model", Self.fixture.model, "--shards", "3", "--coordinators", "2", "--port", "0"])
        defer { XCTAssertTrue(cluster.terminate(), "the cluster stopped cleanly") }
        let adminLine = try cluster.firstLine(containing: "coordinator admin (rollback, block)", timeoutSeconds: 60)
        let admins = String(adminLine.split(separator: " ").last!)
        let line = try cluster.firstLine(containing: "clients connect to every coordinator", timeoutSeconds: 60)
        let endpoints = String(line.split(separator: " ").last!)
        XCTAssertEqual(endpoints.split(separator: ",").count, 2, line)
        // One request per message, so the DEALER spreads them over both coordinators.
        let query = try CLI.run([
            "query", "--coordinator", endpoints, "--histories", dir + "/histories.tsv",
            "-k", "10", "--output", dir + "/online-2c.tsv", "--batch", "1"
        ])
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: dir + "/online-2c.tsv", encoding: .utf8),
            try String(contentsOfFile: dir + "/offline-2c.tsv", encoding: .utf8))
        // Both coordinators served part of it.
        for endpoint in endpoints.split(separator: ",") {
            let status = try CLI.run(["status", "--coordinator", String(endpoint)])
            XCTAssertEqual(status.status, 0, status.stderr)
            let requests = status.stdout.split(separator: "\n").first { $0.hasPrefix("requests ") }.flatMap { Int($0.split(separator: " ")[1]) }
            XCTAssertGreaterThan(requests ?? 0, 0, "coordinator \(endpoint) served nothing: \(status.stdout)")
        }
        // An admin action given the printed list of admin endpoints reaches every coordinator.
        let blocked = dir + "/blocked-2c.txt"
        let top = try CLI.run(["query", "--coordinator", endpoints, "--history", "i1:5,i4:5", "-k", "1"])
        let first = try XCTUnwrap(top.stdout.split(separator: "\n").dropFirst().first?.split(separator: "\t")[1], top.stdout + top.stderr)
        TestFixtures.write("\(first)\n", to: blocked)
        let block = try CLI.run(["block", "--coordinator", admins, "--items", blocked])
        XCTAssertEqual(block.status, 0, block.stderr)
        XCTAssertEqual(block.stdout.split(separator: "\n").filter { $0.contains("1 items blocked") }.count, 2, block.stdout)
        for endpoint in endpoints.split(separator: ",") {
            let answer = try CLI.run(["query", "--coordinator", String(endpoint), "--history", "i1:5,i4:5", "-k", "5"])
            XCTAssertEqual(answer.status, 0, answer.stderr)
            XCTAssertFalse(answer.stdout.contains("\t\(first)\t"), "coordinator \(endpoint) still recommends the blocked \(first)")
        }
        let status = try CLI.run(["status", "--coordinator", admins])
        XCTAssertEqual(status.stdout.split(separator: "\n").filter { $0.contains("1 items blocked") }.count, 2, status.stdout)
    }

    /// one coordinator process with three poll loops behind its in-process proxy answers
    /// exactly as offline `recommend`, and `status` from any loop counts every loop's requests.
    func testACoordinatorWithSeveralPollLoopsAnswersExactlyAndCountsEveryRequest() throws {
        let dir = Self.fixture.dir
        let offline = try CLI.run([
            "recommend", "--model", Self.fixture.model, "--histories", dir + "/histories.tsv",
            "-k", "10", "--output", dir + "/offline-3t.tsv"
        ])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let cluster = try launch(["cluster", "--model", Self.fixture.model, "--shards", "3", "--coordinator-threads", "3", "--port", "0"])
        defer { XCTAssertTrue(cluster.terminate(), "the cluster stopped cleanly") }
        let line = try cluster.firstLine(containing: "coordinator: tcp", timeoutSeconds: 60)
        let endpoint = String(line.split(separator: " ")[1])
        // One request per message, so the proxy spreads them over the loops.
        let query = try CLI.run([
            "query", "--coordinator", endpoint, "--histories", dir + "/histories.tsv",
            "-k", "10", "--output", dir + "/online-3t.tsv", "--batch", "1"
        ])
        XCTAssertEqual(query.status, 0, query.stderr)
        let online = try String(contentsOfFile: dir + "/online-3t.tsv", encoding: .utf8)
        XCTAssertEqual(online, try String(contentsOfFile: dir + "/offline-3t.tsv", encoding: .utf8))
        let users = Set(online.split(separator: "\n").dropFirst().map { $0.split(separator: "\t")[0] }).count
        XCTAssertGreaterThan(users, 10)
        // Loops publish their counters every 20 ms; whichever loop answers adds up all of them.
        let client = try QueryClient(coordinator: endpoint)
        var last: StatusResponse?
        let deadline = Date().addingTimeInterval(10)
        while (last?.requests != UInt64(users) || last?.ready != true) && Date() < deadline {
            usleep(50_000)
            guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s")), id: "s") else { return XCTFail("no status") }
            last = s
        }
        XCTAssertEqual(last?.requests, UInt64(users), "status counts the requests of every loop")
        XCTAssertEqual(last?.ready, true, "every loop is ready")
        XCTAssertEqual(last?.shards.count, 3)
    }

    /// `efficientrec block` on the admin endpoint withdraws items from every answer at
    /// once, in every poll loop of the coordinator; `--unblock` brings them back.
    func testBlockedItemsLeaveEveryAnswerOfEveryPollLoop() throws {
        let dir = Self.fixture.dir
        let cluster = try launch(["cluster", "--model", Self.fixture.model, "--shards", "2", "--coordinator-threads", "2", "--port", "0"])
        defer { XCTAssertTrue(cluster.terminate(), "the cluster stopped cleanly") }
        let endpoint = String(try cluster.firstLine(containing: "coordinator: tcp", timeoutSeconds: 60).split(separator: " ")[1])
        let admin = String(try cluster.firstLine(containing: "coordinator admin", timeoutSeconds: 60).split(separator: " ").last!)
        func answers(_ name: String) throws -> [String] {
            let run = try CLI.run([
                "query", "--coordinator", endpoint, "--histories", dir + "/histories.tsv", "-k", "5",
                "--batch", "1", "--output", dir + "/" + name
            ])
            XCTAssertEqual(run.status, 0, run.stderr)
            return try String(contentsOfFile: dir + "/" + name, encoding: .utf8).split(separator: "\n").dropFirst()
                .map { String($0.split(separator: "\t")[1]) }
        }
        let before = try answers("before-block.tsv")
        var counts: [String: Int] = [:]
        for item in before { counts[item, default: 0] += 1 }
        let blocked = counts.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.prefix(3).map(\.key)
        let file = dir + "/blocked.txt"
        FileManager.default.createFile(atPath: file, contents: Data(blocked.joined(separator: "\n").utf8))
        let refused = try CLI.run(["block", "--coordinator", endpoint, "--items", file])
        XCTAssertNotEqual(refused.status, 0, "the data socket accepted a block")
        XCTAssertTrue(refused.stderr.contains("admin endpoint"), refused.stderr)
        let block = try CLI.run(["block", "--coordinator", admin, "--items", file])
        XCTAssertEqual(block.status, 0, block.stderr)
        XCTAssertTrue(block.stdout.contains("3 items blocked"), block.stdout)
        let during = try answers("during-block.tsv")
        XCTAssertEqual(during.count, before.count)
        XCTAssertTrue(Set(during).isDisjoint(with: blocked), "a blocked item was recommended")
        let unblock = try CLI.run(["block", "--coordinator", admin, "--items", file, "--unblock"])
        XCTAssertEqual(unblock.status, 0, unblock.stderr)
        XCTAssertEqual(try answers("after-block.tsv"), before)
    }

    func testMalformedBytesGetAnErrorAndTheCoordinatorKeepsServing() throws {
        let (cluster, endpoint) = try startCluster(shards: 1)
        defer { cluster.terminate() }
        let client = try QueryClient(coordinator: endpoint)
        guard case let .error(e)? = try client.sendRaw([0xDE, 0xAD, 0xBE, 0xEF]) else { return XCTFail("no error reply") }
        XCTAssertEqual(e.code, .malformed)
        guard case .recommend = try client.send(.recommend(RecommendRequest(requestID: "ok", itemIDs: ["i1"], ratings: [5], k: 3)), id: "ok")
        else { return XCTFail("the coordinator stopped serving") }
    }
}
