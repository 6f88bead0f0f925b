import RecInference
import RecModelFile
import RecServing
import RecTestSupport
import RecWire
import XCTest

@testable import RecServer

/// The coordinator's and workers' poll loops, driven turn by turn over in-memory sockets
/// (`EmbeddedCluster`): what the shells add to the state machines — batching frames per worker,
/// client batches, full queues, departed clients, the admin socket, drains and timers.
final class CoordinatorShellTests: XCTestCase {
    static let model: RecommenderModel = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving()).bytes)
    static let histories: [[String]] = [["i1", "i5", "i9"], ["i2", "i3"], ["i4", "i8", "i12", "i16"], ["i7"]]

    func offline(_ items: [String], k: Int) -> [String] {
        let model = Self.model
        let (h, _) = model.mapHistory(itemIDs: items, ratings: items.map { _ in 5 })
        var vote = model.makeVote()
        return model.recommend(history: h, attributes: model.attributes.encode(nil), k: k, vote: &vote).items.map { model.items[$0.index] }
    }

    func response(_ frames: [[UInt8]]) throws -> RecommendResponse {
        guard frames.count == 2, case let .recommend(r) = try ServerMessage(serializedBytes: frames[1]) else {
            throw UnexpectedReply(frames: frames)
        }
        return r
    }

    func testAnswersThroughBothShellsEqualTheOfflineRecommender() throws {
        for (shards, replicas) in [(1, 1), (2, 1), (3, 2)] {
            let cluster = try EmbeddedCluster(model: Self.model, shards: shards, replicas: replicas)
            for (n, history) in Self.histories.enumerated() {
                cluster.clients.deliver([[UInt8(n)], EmbeddedCluster.request("r\(n)", items: history)])
                let sent = try cluster.replies()
                XCTAssertEqual(sent.count, 1, "\(shards) × \(replicas)")
                let r = try response(XCTUnwrap(sent.first))
                XCTAssertEqual(sent.first?.first, [UInt8(n)], "the reply goes to the client that asked")
                XCTAssertEqual(r.requestID, "r\(n)")
                XCTAssertEqual(r.itemIDs, offline(history, k: 10), "\(shards) × \(replicas), history \(n)")
                XCTAssertEqual(r.coverage, 1)
            }
        }
    }

    func testSubRequestsForAWorkerLeaveAsOneMessagePerTurn() throws {
        let cluster = try EmbeddedCluster(model: Self.model, shards: 2)
        for n in 0..<5 { cluster.clients.deliver([[UInt8(n)], EmbeddedCluster.request("q\(n)", items: ["i\(n + 1)"])]) }
        XCTAssertTrue(try cluster.coordinator.turn(stop: cluster.stop))
        for socket in cluster.toWorkers {
            func isQuery(_ frame: [UInt8]) -> Bool {
                if case .query? = try? CoordinatorMessage(serializedBytes: frame) { true } else { false }
            }
            let messages = socket.takeSent().filter { $0.contains(where: isQuery) }
            XCTAssertEqual(messages.count, 1, "one multipart message per worker per turn")
            XCTAssertEqual(messages.first?.filter(isQuery).count, 5, "holding the five sub-requests")
        }
    }

    func testAClientBatchIsAnsweredByOneMessageInOrder() throws {
        let cluster = try EmbeddedCluster(model: Self.model, shards: 2)
        let ids = ["b0", "b1", "b2"]
        cluster.clients.deliver([[9]] + ids.enumerated().map { EmbeddedCluster.request($1, items: Self.histories[$0]) })
        let sent = try cluster.replies()
        XCTAssertEqual(sent.count, 1)
        let frames = try XCTUnwrap(sent.first)
        XCTAssertEqual(frames.count, 4, "routing + one reply per request")
        let replies = try frames.dropFirst().map { try ServerMessage(serializedBytes: $0) }
        for (n, reply) in replies.enumerated() {
            guard case let .recommend(r) = reply else { return XCTFail("reply \(n) is \(reply)") }
            XCTAssertEqual(r.requestID, ids[n])
            XCTAssertEqual(r.itemIDs, offline(Self.histories[n], k: 10))
        }
    }

    func testAFullWorkerQueueFailsOverToTheOtherReplica() throws {
        let cluster = try EmbeddedCluster(model: Self.model, shards: 1, replicas: 2)
        cluster.toWorkers[0].acceptsSends = false
        for n in 0..<4 {
            cluster.clients.deliver([[UInt8(n)], EmbeddedCluster.request("f\(n)", items: Self.histories[n])])
            let r = try response(XCTUnwrap(try cluster.replies().first))
            XCTAssertEqual(r.coverage, 1, "answered whole by the replica that reads")
            XCTAssertEqual(r.itemIDs, offline(Self.histories[n], k: 10))
        }
        XCTAssertGreaterThan(cluster.coordinator.droppedToShards, 0, "the full queue was tried and counted")
        XCTAssertGreaterThanOrEqual(cluster.coordinator.droppedToShards, cluster.toWorkers[0].droppedMessages)
    }

    func testASilentShardIsAnsweredAtTheDeadlineAndNotBefore() throws {
        let cluster = try EmbeddedCluster(model: Self.model, shards: 2)
        cluster.silent = [1]
        let deadline = cluster.clock.now() + .milliseconds(50)
        cluster.clients.deliver([
            [1],
            EmbeddedCluster.request(
                "late", items: Self.histories[0],
                deadline: deadline.microsecondsSinceEpoch)
        ])
        let r = try response(XCTUnwrap(try cluster.replies().first))
        XCTAssertGreaterThanOrEqual(cluster.clock.now(), deadline, "not answered before its deadline")
        XCTAssertLessThan(cluster.clock.now(), deadline + .milliseconds(100), "the loop woke for the deadline")
        XCTAssertLessThan(r.coverage, 1)
        XCTAssertEqual(r.itemIDs.count, 10, "filled and flagged, never shorter")
        XCTAssertFalse(r.degradedReasons.isEmpty)
    }

    func testADepartedClientDoesNotStopTheLoop() throws {
        let cluster = try EmbeddedCluster(model: Self.model, shards: 2)
        cluster.clients.unreachablePeers = [[66]]
        cluster.clients.deliver([[66], EmbeddedCluster.request("gone", items: Self.histories[0])])
        cluster.clients.deliver([[67], EmbeddedCluster.request("here", items: Self.histories[1])])
        let sent = try cluster.replies()
        XCTAssertEqual(sent.map { $0.first }, [[67]], "only the client still there is answered")
        XCTAssertEqual(try response(XCTUnwrap(sent.first)).requestID, "here")
    }

    func testAdminActionsAreAnsweredOnTheAdminSocket() throws {
        let cluster = try EmbeddedCluster(model: Self.model, shards: 2)
        cluster.admin.deliver([[5], ClientMessage.status(StatusRequest(requestID: "s1")).serializedBytes()])
        let sent = try cluster.replies(from: cluster.admin)
        XCTAssertEqual(sent.count, 1)
        XCTAssertEqual(sent.first?.first, [5])
        XCTAssertTrue(cluster.clients.takeSent().isEmpty, "nothing on the data socket")
        guard let payload = sent.first?.last, case let .status(s) = try ServerMessage(serializedBytes: payload) else {
            return XCTFail("expected a status")
        }
        XCTAssertEqual(s.requestID, "s1")
    }

    func testADrainAnswersWhatIsInFlightRefusesNewRequestsAndCloses() throws {
        let cluster = try EmbeddedCluster(model: Self.model, shards: 2)
        cluster.silent = [0, 1]
        cluster.clients.deliver([[1], EmbeddedCluster.request("before", items: Self.histories[0])])
        XCTAssertTrue(try cluster.step())
        cluster.stop.stop()
        cluster.silent = []
        cluster.clients.deliver([[2], EmbeddedCluster.request("after", items: Self.histories[1])])
        var sent: [[[UInt8]]] = []
        var turns = 0
        while try cluster.step() {
            sent += cluster.clients.takeSent()
            turns += 1
            if turns > 200 { return XCTFail("the drain did not end") }
        }
        sent += cluster.clients.takeSent()
        let byClient = Dictionary(uniqueKeysWithValues: try sent.map { ($0[0], try ServerMessage(serializedBytes: $0[1])) })
        guard case let .error(refused)? = byClient[[2]] else { return XCTFail("the new request was not refused: \(byClient)") }
        XCTAssertEqual(refused.code, .overloaded)
        XCTAssertEqual(refused.requestID, "after", "the refusal names the request")
        guard case .recommend? = byClient[[1]] else { return XCTFail("the request in flight was not answered: \(byClient)") }
        XCTAssertFalse(cluster.clients.isClosed, "a turn does not close")
        try cluster.coordinator.run(until: cluster.stop)
        XCTAssertTrue(
            cluster.clients.isClosed && cluster.admin.isClosed && cluster.toWorkers.allSatisfy(\.isClosed),
            "a finished drain closes every socket")
    }
}

struct UnexpectedReply: Error {
    let frames: [[UInt8]]
}
