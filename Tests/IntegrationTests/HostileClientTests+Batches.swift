import EfficientRecClient
import Foundation
import RecApp
import RecData
import RecInference
import RecModelFile
import RecServer
import RecTestSupport
import RecTransport
import RecWire
import XCTest

/// Multipart messages: every frame answered in order, an oversized batch refused whole.
extension HostileClientTests {
    /// A multipart message from a client is a batch: every non-empty frame gets its reply with its
    /// own request ID, all in one message, in the order of the requests (only the last
    /// frame used to be answered); a garbage frame spoils only its own slot.
    func testEveryFrameOfAMultipartMessageIsAnsweredInOrder() throws {
        let (cluster, endpoint, _) = try startCluster()
        defer { _ = cluster.terminate() }
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, kind: .dealer)
        defer { socket.close() }
        try socket.connect(endpoint)
        func request(_ id: String) -> [UInt8] {
            ClientMessage.recommend(RecommendRequest(requestID: id, itemIDs: ["i1", "i4"], ratings: [5, 5], k: 3)).serializedBytes()
        }
        let garbage: [UInt8] = [0x08, 0x01, 0x12, 0x05, 0x0A, 0x01, 0x67, 0xFF, 0xFF]  // request ID "g", then junk
        XCTAssertTrue(try socket.send([[], request("a"), request("b"), garbage, request("c")]))
        let frames = try XCTUnwrap(try Self.nextMessage(on: socket, seconds: 20), "no reply to the batch")
        XCTAssertEqual(frames.count, 4, "one reply frame per request frame, in one message")
        let messages = try frames.map { try ServerMessage(serializedBytes: $0) }
        XCTAssertEqual(messages.map(\.requestID), ["a", "b", "g", "c"], "replies in the order of the requests")
        for k in [0, 1, 3] {
            guard case let .recommend(r) = messages[k] else { return XCTFail("\(k): \(messages[k])") }
            XCTAssertEqual(r.itemIDs.count, 3)
        }
        guard case let .error(e) = messages[2] else { return XCTFail("the garbage frame got \(messages[2])") }
        XCTAssertEqual(e.code, .malformed)
        XCTAssertNil(try socket.receive(), "nothing else was sent")
    }

    /// A batch of more requests than one message may carry (10,000) is refused whole, through the
    /// real coordinator: one reply message, one invalid-argument error per request with its ID.
    func testAnOversizedBatchIsRefusedWhole() throws {
        let (cluster, endpoint, _) = try startCluster()
        defer { _ = cluster.terminate() }
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, kind: .dealer)
        defer { socket.close() }
        try socket.connect(endpoint)
        let count = WireLimits.standard.maxBatchRequests + 1
        let frames = (0..<count).map {
            ClientMessage.recommend(RecommendRequest(requestID: "r\($0)", itemIDs: ["i1"], ratings: [5], k: 3)).serializedBytes()
        }
        XCTAssertTrue(try socket.send([[]] + frames))
        let replies = try XCTUnwrap(try Self.nextMessage(on: socket, seconds: 30), "no reply to the batch")
        XCTAssertEqual(replies.count, count)
        for (index, frame) in replies.enumerated() {
            guard case let .error(e) = try ServerMessage(serializedBytes: frame) else { return XCTFail("slot \(index) was served") }
            XCTAssertEqual(e.requestID, "r\(index)")
            XCTAssertEqual(e.code, .invalidArgument)
        }
        // The coordinator goes on serving.
        XCTAssertTrue(
            try socket.send([ClientMessage.recommend(RecommendRequest(requestID: "after", itemIDs: ["i1"], ratings: [5], k: 3)).serializedBytes()]))
        guard let last = try Self.nextMessage(on: socket, seconds: 20)?.first, case let .recommend(r) = try ServerMessage(serializedBytes: last)
        else { return XCTFail("no answer after the batch") }
        XCTAssertEqual(r.requestID, "after")
    }
}
