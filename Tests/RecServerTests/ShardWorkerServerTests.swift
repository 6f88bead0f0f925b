import Foundation
import RecInference
import RecModelFile
import RecTestSupport
import RecTransport
import RecVote
import RecWire
import XCTest

@testable import RecServer
@testable import RecServing

/// A real worker on a loopback socket: batches (several query frames in one multipart message)
/// get one reply frame per query, in order, and a bad frame in a batch spoils only itself.
final class ShardWorkerServerTests: XCTestCase {
    /// A real worker on a loopback port, created on its own thread, which owns its socket (as in the
    /// real process); returns its endpoint and how to stop it.
    static func startWorker(_ model: RecommenderModel) throws -> (String, () -> Void) {
        let stop = StopFlag()
        let handoff = Handoff()
        let thread = Thread {
            do {
                let server = try ShardWorkerServer(model: model, shard: 0, shardCount: 2, bind: "tcp://127.0.0.1:*")
                handoff.endpoint = server.endpoint
                handoff.ready.signal()
                try server.run(until: stop)
            } catch {
                handoff.ready.signal()
            }
            handoff.finished.signal()
        }
        thread.start()
        handoff.ready.wait()

        let endpoint = try XCTUnwrap(handoff.endpoint)
        return (
            endpoint,
            {
                stop.stop(); handoff.finished.wait()
            }
        )
    }

    func testABatchGetsOneReplyPerFrameInOrder() throws {
        let model = try ModelFile.decode(ModelFile.encode(HandBuiltModel.serving()).bytes)
        let (endpoint, stop) = try Self.startWorker(model)
        defer { stop() }

        func query(_ id: String, clusters: [Int], shardCount: UInt32 = 2) -> [UInt8] {
            var q = ShardQuery(requestID: id)
            q.clusterIDs = clusters.map(UInt32.init)
            q.clusterWeights = clusters.map { _ in 0.5 }
            q.k = 5
            q.shardCount = shardCount
            return CoordinatorMessage.query(q).serializedBytes()
        }
        let context = try ZMQContext()
        let client = try ZMQSocket(context: context, kind: .dealer)
        defer { client.close() }
        try client.connect(endpoint)
        let clusterCount = model.configuration.clusters
        XCTAssertTrue(
            try client.send([
                query("a", clusters: [0, 1, 2]), [0xFF, 0x01, 0x02], query("b", clusters: [3]),
                query("c", clusters: [clusterCount]), query("d", clusters: [0], shardCount: 3)
            ]))
        var frames: [[UInt8]]?
        let poller = Poller()
        for _ in 0..<50 where frames == nil {
            _ = try poller.wait(sockets: [client], timeoutMilliseconds: 100)
            frames = try client.receive()
        }
        let replies = try XCTUnwrap(frames).map { try WorkerMessage(serializedBytes: $0) }
        XCTAssertEqual(replies.count, 5)
        guard replies.count == 5 else { return }
        guard case let .reply(a) = replies[0], case let .error(bad) = replies[1], case let .reply(b) = replies[2],
            case let .error(stray) = replies[3], case let .error(otherCount) = replies[4]
        else {
            return XCTFail("unexpected replies \(replies)")
        }
        XCTAssertEqual(a.requestID, "a")
        XCTAssertFalse(a.items.isEmpty)
        XCTAssertLessThanOrEqual(a.items.count, 5)
        XCTAssertEqual(a.shardCount, 2)
        XCTAssertEqual(bad.code, .malformed)
        XCTAssertEqual(b.requestID, "b")
        XCTAssertEqual(stray.requestID, "c")
        XCTAssertEqual(otherCount.requestID, "d")
        XCTAssertEqual(otherCount.code, .invalidArgument)  // a shard count it does not hold
        XCTAssertEqual(stray.code, .invalidArgument)  // a cluster the model does not have
    }
}

/// Passes the bound endpoint from the worker's thread (written before `ready` is signalled, read after).
private final class Handoff: @unchecked Sendable {
    var endpoint: String?
    let ready = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
}
