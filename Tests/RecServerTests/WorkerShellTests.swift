import RecInference
import RecModelFile
import RecServing
import RecTestSupport
import RecWire
import XCTest

@testable import RecServer

/// A worker's poll loop over an in-memory socket: batches, departed coordinators and the drain.
final class WorkerShellTests: XCTestCase {
    static let model: RecommenderModel = try! ModelFile.decode(ModelFile.encode(HandBuiltModel.serving()).bytes)

    func worker(clock: ManualClock) throws -> (ShardWorkerServer, EmbeddedSocket) {
        let socket = EmbeddedSocket()
        let transport = WorkerTransport(
            socket: socket, endpoint: "embedded://worker", poller: EmbeddedPoller(clock: clock),
            clock: clock, securityGuard: nil)
        let server = ShardWorkerServer(
            model: try ShardModel(Self.model, shard: 0, shardCounts: [2]), shard: 0, shardCount: 2,
            transport: transport, logger: .init(label: "test.worker"))
        return (server, socket)
    }

    func query(_ id: String) -> [UInt8] {
        var q = ShardQuery(requestID: id)
        q.clusterIDs = [0, 1]
        q.clusterWeights = [0.5, 0.5]
        q.k = 5
        q.shardCount = 2
        return CoordinatorMessage.query(q).serializedBytes()
    }

    func testABatchIsAnsweredInOrderAndABadFrameSpoilsOnlyItself() throws {
        let (server, socket) = try worker(clock: ManualClock())
        socket.deliver([[1], query("a"), [0xFF, 0x00], query("b")])
        XCTAssertTrue(try server.turn(stop: StopFlag()))
        let sent = socket.takeSent()
        XCTAssertEqual(sent.count, 1)
        let frames = try XCTUnwrap(sent.first)
        XCTAssertEqual(frames.first, [1], "back to the coordinator that asked")
        let replies = try frames.dropFirst().map { try WorkerMessage(serializedBytes: $0) }
        guard replies.count == 3, case let .reply(a) = replies[0], case let .error(bad) = replies[1], case let .reply(b) = replies[2] else {
            return XCTFail("unexpected replies \(replies)")
        }
        XCTAssertEqual([a.requestID, b.requestID], ["a", "b"])
        XCTAssertEqual(bad.code, .malformed)
    }

    func testADepartedCoordinatorDoesNotStopTheLoop() throws {
        let (server, socket) = try worker(clock: ManualClock())
        socket.unreachablePeers = [[1]]
        socket.deliver([[1], query("lost")])
        socket.deliver([[2], query("kept")])
        XCTAssertTrue(try server.turn(stop: StopFlag()))
        XCTAssertEqual(socket.takeSent().map { $0.first }, [[2]])
        XCTAssertEqual(server.core.answered, 2)
    }

    func testADrainTellsCoordinatorsAndEndsWhenQuiet() throws {
        let clock = ManualClock()
        let (server, socket) = try worker(clock: clock)
        let stop = StopFlag()
        socket.deliver([[7], query("q")])
        XCTAssertTrue(try server.turn(stop: stop))
        _ = socket.takeSent()
        stop.stop()
        let started = clock.now()
        XCTAssertTrue(try server.turn(stop: stop))
        let announced = socket.takeSent()
        XCTAssertEqual(announced.map { $0.first }, [[7]], "the coordinator it heard from is told")
        guard let beat = announced.first?.last, case let .heartbeat(h) = try WorkerMessage(serializedBytes: beat) else {
            return XCTFail("expected a heartbeat")
        }
        XCTAssertTrue(h.draining)
        XCTAssertFalse(server.readiness.current.ready)
        var turns = 1
        while try server.turn(stop: stop) { turns += 1; XCTAssertLessThan(turns, 100) }
        XCTAssertGreaterThanOrEqual(clock.now() - started, server.drainQuiet, "answers until quiet")
        XCTAssertLessThan(clock.now() - started, server.drainLimit)
        try server.run(until: stop)
        XCTAssertTrue(socket.isClosed)
    }
}
