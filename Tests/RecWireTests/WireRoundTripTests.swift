import XCTest

@testable import RecWire

final class WireRoundTripTests: XCTestCase {
    func sampleRequest() -> RecommendRequest {
        RecommendRequest(
            requestID: "req-1", itemIDs: ["50", "172", "Amélie (2001)"], ratings: [5, 4.5, 3],
            timestamps: [1, 2, 3], attributeNames: ["age", "gender"], attributeValues: ["25", "F"],
            k: 20, deadlineUnixMicros: 1_700_000_000_000_000, modelVersion: "00ff00ff00ff00ff")
    }

    func testClientMessagesRoundTrip() throws {
        for message in [
            ClientMessage.recommend(sampleRequest()), .recommend(RecommendRequest(requestID: "")),
            .status(StatusRequest(requestID: "s"))
        ] {
            XCTAssertEqual(try ClientMessage(serializedBytes: message.serializedBytes()), message)
        }
    }

    func testServerMessagesRoundTrip() throws {
        var response = RecommendResponse(requestID: "req-1")
        response.itemIDs = ["1", "2"]; response.scores = [0.5, 0.25]
        response.clusterIDs = [7, 3]; response.clusterWeights = [0.9, 0.8]
        response.modelVersion = "abc"; response.coverage = 0.75; response.degradedReasons = ["shard 2 timed out"]
        response.timings.totalMicros = 120; response.unknownItems = 2; response.truncatedInteractions = 1
        response.explanations = [
            RecommendResponse.Explanation(
                clusterIDs: [3, 1], clusterShares: [0.75, 0.25], becauseItemIDs: ["50", "é"],
                similarities: [0.9, 0.5]),
            RecommendResponse.Explanation()
        ]
        response.filledFromPopularity = 3
        var status = StatusResponse(requestID: "s")
        status.requests = 10; status.ready = true
        var shard = ShardStatus()
        shard.shard = 1; shard.endpoint = "tcp://127.0.0.1:5001"; shard.alive = true
        status.shards = [shard, ShardStatus()]
        for message in [
            ServerMessage.recommend(response), .error(ErrorReply(requestID: "x", code: .overloaded, message: "busy")),
            .status(status)
        ] {
            XCTAssertEqual(try ServerMessage(serializedBytes: message.serializedBytes()), message)
        }
    }

    func testShardMessagesRoundTrip() throws {
        var query = ShardQuery(requestID: "q")
        query.clusterIDs = [4, 2]; query.clusterWeights = [0.7, 0.6]; query.excludeItems = [1, 2, 3]
        query.deadlineUnixMicros = 99; query.modelVersion = "v"; query.rankingItems = [1, 3]; query.voteBound = 2.5
        query.itemItemBound = 0.25; query.k = 20; query.shardCount = 5
        var reply = ShardReply(requestID: "q")
        reply.shard = 3; reply.items = [10, 11]; reply.scores = [0.75, -1]; reply.shardCount = 5
        let heartbeat = Heartbeat(shard: 2, modelVersion: "v", sentUnixMicros: 123)
        for message in [CoordinatorMessage.query(query), .heartbeat(heartbeat)] {
            XCTAssertEqual(try CoordinatorMessage(serializedBytes: message.serializedBytes()), message)
        }
        for message in [
            WorkerMessage.reply(reply), .heartbeat(heartbeat),
            .error(ErrorReply(requestID: "q", code: .deadlineExceeded, message: "late"))
        ] {
            XCTAssertEqual(try WorkerMessage(serializedBytes: message.serializedBytes()), message)
        }
    }

    func testLargeHistoryUsesPackedArraysAndRoundTrips() throws {
        var r = RecommendRequest(requestID: "big")
        r.itemIDs = (0..<5_000).map { "item-\($0)" }
        r.ratings = (0..<5_000).map { Float($0 % 5) + 1 }
        let bytes = ClientMessage.recommend(r).serializedBytes()
        XCTAssertLessThan(bytes.count, 5_000 * 12 + 5_000 * 5, "ratings are packed floats")
        XCTAssertEqual(try ClientMessage(serializedBytes: bytes), .recommend(r))
    }
}

final class WireRejectionTests: XCTestCase {
    func assertRejects<T>(
        _ body: @autoclosure () throws -> T, _ expected: WireError? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? WireError else { return XCTFail("not a WireError: \(error)", file: file, line: line) }
            if let expected { XCTAssertEqual(e, expected, file: file, line: line) }
            XCTAssertFalse(e.description.isEmpty)
        }
    }

    func testMalformedAndEmptyBytes() {
        assertRejects(try ClientMessage(serializedBytes: [0xFF, 0xFF, 0xFF]), .malformed(message: "ClientMessage"))
        assertRejects(try ClientMessage(serializedBytes: []), .unsupportedProtocol(found: 0, supported: 1))
        assertRejects(try ClientMessage(serializedBytes: [0x08, 0x01]), .missingBody(message: "ClientMessage"))
        assertRejects(try WorkerMessage(serializedBytes: Array("hello, world".utf8)))
        assertRejects(try ServerMessage(serializedBytes: [0x12, 0x80]), .malformed(message: "ServerMessage"))
    }

    func testWrongProtocolVersion() {
        // protocol_version = 2, status {}
        assertRejects(try ClientMessage(serializedBytes: [0x08, 0x02, 0x1A, 0x00]), .unsupportedProtocol(found: 2, supported: 1))
    }

    func testInvalidUTF8IsRejected() {
        // ClientMessage{protocol_version: 1, recommend: {request_id: 0xFF 0xFE}}
        assertRejects(try ClientMessage(serializedBytes: [0x08, 0x01, 0x12, 0x04, 0x0A, 0x02, 0xFF, 0xFE]), .invalidUTF8(field: "request_id"))
        // Item IDs: an overlong "/", a UTF-16 surrogate, a truncated sequence — and valid "é" passes.
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x61, 0xE2, 0x82]] {
            let body: [UInt8] = [0x0A, 0x01, 0x72, 0x12, UInt8(bad.count)] + bad + [0x1A, 0x04, 0, 0, 0xA0, 0x40, 0x38, 0x01]
            assertRejects(try ClientMessage(serializedBytes: [0x08, 0x01, 0x12, UInt8(body.count)] + body), .invalidUTF8(field: "item_ids"))
        }
        let valid: [UInt8] = [0x0A, 0x01, 0x72, 0x12, 0x02, 0xC3, 0xA9, 0x1A, 0x04, 0, 0, 0xA0, 0x40, 0x38, 0x01]
        guard case let .recommend(r)? = try? ClientMessage(serializedBytes: [0x08, 0x01, 0x12, UInt8(valid.count)] + valid) else {
            return XCTFail("a valid request did not decode")
        }
        XCTAssertEqual(r.itemIDs, ["é"])
    }

    func testParallelArraysMustAgree() {
        var r = RecommendRequest(requestID: "x", itemIDs: ["a", "b"], ratings: [5])
        assertRejects(
            try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes()),
            .lengthMismatch(field: "ratings", expected: 2, found: 1))
        r = RecommendRequest(requestID: "x", itemIDs: ["a"], ratings: [5], timestamps: [1, 2])
        assertRejects(
            try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes()),
            .lengthMismatch(field: "timestamps", expected: 1, found: 2))
        r = RecommendRequest(requestID: "x", attributeNames: ["age"], attributeValues: [])
        assertRejects(
            try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes()),
            .lengthMismatch(field: "attribute_values", expected: 1, found: 0))
        var reply = ShardReply(requestID: "q")
        reply.items = [1, 2]; reply.scores = [1]
        assertRejects(
            try WorkerMessage(serializedBytes: WorkerMessage.reply(reply).serializedBytes()),
            .lengthMismatch(field: "scores", expected: 2, found: 1))
        var query = ShardQuery(requestID: "q")
        query.voteBound = .infinity
        assertRejects(
            try CoordinatorMessage(serializedBytes: CoordinatorMessage.query(query).serializedBytes()),
            .invalidValue(field: "vote_bound", reason: "inf is not a finite, non-negative bound"))
        query.voteBound = 1; query.itemItemBound = -1
        assertRejects(
            try CoordinatorMessage(serializedBytes: CoordinatorMessage.query(query).serializedBytes()),
            .invalidValue(field: "item_item_bound", reason: "-1.0 is not a finite, non-negative bound"))
        query.itemItemBound = 1; query.k = 10_001
        assertRejects(
            try CoordinatorMessage(serializedBytes: CoordinatorMessage.query(query).serializedBytes()),
            .tooLarge(field: "k", count: 10_001, limit: 10_000))
    }

    func testNonFiniteValuesAreRejected() {
        let r = RecommendRequest(requestID: "x", itemIDs: ["a", "b"], ratings: [5, .nan])
        assertRejects(try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes()))
        var q = ShardQuery(requestID: "q")
        q.clusterIDs = [1]; q.clusterWeights = [.infinity]
        assertRejects(try CoordinatorMessage(serializedBytes: CoordinatorMessage.query(q).serializedBytes()))
    }

    func testLimitsAreEnforced() {
        var limits = WireLimits()
        limits.maxHistory = 100
        let r = RecommendRequest(requestID: "x", itemIDs: (0..<101).map(String.init), ratings: Array(repeating: 4, count: 101))
        assertRejects(
            try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes(), limits: limits),
            .tooLarge(field: "item_ids", count: 101, limit: 100))
        limits.maxMessageBytes = 10
        assertRejects(try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes(), limits: limits))
        limits = WireLimits()
        limits.maxStringBytes = 4
        assertRejects(
            try ClientMessage(
                serializedBytes: ClientMessage.status(StatusRequest(requestID: "too long")).serializedBytes(),
                limits: limits), .tooLarge(field: "request_id", count: 8, limit: 4))
    }

    /// Repeated fields are counted from the bytes before protobuf-c unpacks them: a frame
    /// of millions of empty strings is refused with its full count, and ahead of any check that
    /// needs the unpacked message (here a wrong protocol version, which unpacking would reveal).
    func testRepeatedFieldsAreCountedBeforeUnpacking() {
        // ClientMessage { protocol_version = 7; recommend { request_id "h"; item_ids "" × 4,000,000 } }
        let empties = 4_000_000
        var body: [UInt8] = [0x0A, 0x01, 0x68]
        body.reserveCapacity(3 + 2 * empties)
        for _ in 0..<empties { body += [0x12, 0x00] }
        var frame: [UInt8] = [0x08, 0x07, 0x12]
        var n = body.count
        while n >= 0x80 { frame.append(UInt8(n & 0x7F) | 0x80); n >>= 7 }
        frame.append(UInt8(n))
        frame += body
        XCTAssertLessThanOrEqual(frame.count, WireLimits.standard.maxMessageBytes)
        assertRejects(try ClientMessage(serializedBytes: frame), .tooLarge(field: "item_ids", count: empties, limit: 10_000))
        XCTAssertEqual(ClientMessage.peekRequestID(frame), "h", "the refusal can still carry the request ID")

        // Packed runs count their values: 10,001 ratings (fixed32), 10,001 excluded items (varints).
        let r = RecommendRequest(requestID: "p", itemIDs: ["a"], ratings: Array(repeating: 4, count: 10_001))
        assertRejects(
            try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes()),
            .tooLarge(field: "ratings", count: 10_001, limit: 10_000))
        // A shard query's exclusions (history and filtered items) are bounded by the catalogue cap.
        var itemCap = WireLimits()
        itemCap.maxItems = 10_000
        var q = ShardQuery(requestID: "q")
        q.excludeItems = (0..<10_001).map { UInt32($0 * 1_000) }
        assertRejects(
            try CoordinatorMessage(serializedBytes: CoordinatorMessage.query(q).serializedBytes(), limits: itemCap),
            .tooLarge(field: "exclude_items", count: 10_001, limit: 10_000))
        q.excludeItems = (0..<10_000).map { UInt32($0 * 1_000) }
        XCTAssertNoThrow(try CoordinatorMessage(serializedBytes: CoordinatorMessage.query(q).serializedBytes(), limits: itemCap), "at the limit")
    }

    /// a request's filters have caps of their own, checked before unpacking, and a
    /// request over one is refused with the field's name (and its ID can still be read).
    func testFilterListsHaveCaps() {
        var r = RecommendRequest(requestID: "f", itemIDs: ["a"], ratings: [5])
        r.itemConditions = (0...WireLimits.standard.maxFilterConditions).map { "year >= \($0)" }
        let frame = ClientMessage.recommend(r).serializedBytes()
        assertRejects(
            try ClientMessage(serializedBytes: frame),
            .tooLarge(field: "item_conditions", count: 17, limit: WireLimits.standard.maxFilterConditions))
        XCTAssertEqual(ClientMessage.peekRequestID(frame), "f")
        var small = WireLimits()
        small.maxFilterItems = 3
        r.itemConditions = []
        r.excludeItemIDs = ["1", "2", "3", "4"]
        assertRejects(
            try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes(), limits: small),
            .tooLarge(field: "exclude_item_ids", count: 4, limit: 3))
        r.excludeItemIDs = ["1", "2", "3"]
        r.allowItemIDs = ["1", "2", "3", "4", "5"]
        assertRejects(
            try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes(), limits: small),
            .tooLarge(field: "allow_item_ids", count: 5, limit: 3))
        r.allowItemIDs = ["9"]
        XCTAssertEqual(try ClientMessage(serializedBytes: ClientMessage.recommend(r).serializedBytes(), limits: small), .recommend(r))
    }

    /// protobuf-c unpacks with a byte budget per frame: within it every message decodes as before;
    /// past it the frame is refused cleanly (nothing leaks: the fuzz targets run under ASan).
    func testUnpackingHasAByteBudget() throws {
        let request = RecommendRequest(requestID: "b", itemIDs: ["50", "172"], ratings: [5, 4], k: 20)
        let bytes = ClientMessage.recommend(request).serializedBytes()
        XCTAssertEqual(try ClientMessage(serializedBytes: bytes), .recommend(request))
        var tight = WireLimits()
        tight.unpackBaseBytes = 64
        tight.unpackBytesPerFrameByte = 0
        // The budget is protobuf-c's: a canonical request is read in Swift (allocating in
        // proportion to the frame, not through protobuf-c), so the general decoder is asked directly.
        assertRejects(
            try ClientMessage(protobufC: bytes, limits: tight),
            .tooLarge(field: "ClientMessage unpacked bytes", count: bytes.count, limit: 64))
        XCTAssertEqual(try ClientMessage(serializedBytes: bytes, limits: tight), .recommend(request))
        // The largest history the limits allow still fits the default budget.
        let big = RecommendRequest(
            requestID: "big", itemIDs: (0..<10_000).map { "item-\($0)" }, ratings: Array(repeating: 4, count: 10_000),
            timestamps: (0..<10_000).map(Double.init))
        XCTAssertEqual(try ClientMessage(protobufC: ClientMessage.recommend(big).serializedBytes()), .recommend(big))
        XCTAssertEqual(try ClientMessage(serializedBytes: ClientMessage.recommend(big).serializedBytes()), .recommend(big))
        let empties = RecommendRequest(requestID: "e", itemIDs: Array(repeating: "", count: 10_000), ratings: Array(repeating: 4, count: 10_000))
        XCTAssertEqual(try ClientMessage(protobufC: ClientMessage.recommend(empties).serializedBytes()), .recommend(empties))
        var reply = ShardReply(requestID: "r")
        reply.items = Array(0..<10_000).map(UInt32.init)
        reply.scores = Array(repeating: 1, count: 10_000)
        XCTAssertNoThrow(try WorkerMessage(protobufC: WorkerMessage.reply(reply).serializedBytes()))
        XCTAssertNoThrow(try WorkerMessage(serializedBytes: WorkerMessage.reply(reply).serializedBytes()))
        // One more than a reply may hold: refused before unpacking, whichever decoder reads it.
        reply.items.append(1); reply.scores.append(1)
        assertRejects(
            try WorkerMessage(serializedBytes: WorkerMessage.reply(reply).serializedBytes()),
            .tooLarge(field: "items", count: 10_001, limit: 10_000))
    }

    /// Property: no sequence of random bytes crashes a decoder; each either decodes or throws.
    func testRandomBytesNeverCrash() {
        var state: UInt64 = 0x1234_5678
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let seeds = [
            ClientMessage.recommend(RecommendRequest(requestID: "r", itemIDs: ["a"], ratings: [4])).serializedBytes(),
            CoordinatorMessage.query(ShardQuery(requestID: "q")).serializedBytes()
        ]
        for trial in 0..<3_000 {
            var bytes: [UInt8]
            if trial % 2 == 0 {
                bytes = (0..<Int(next() % 64)).map { _ in next() }
            } else {
                bytes = seeds[trial % seeds.count]
                for _ in 0..<(1 + Int(next() % 4)) where !bytes.isEmpty { bytes[Int(next()) % bytes.count] = next() }
            }
            _ = try? ClientMessage(serializedBytes: bytes)
            _ = try? ServerMessage(serializedBytes: bytes)
            _ = try? CoordinatorMessage(serializedBytes: bytes)
            _ = try? WorkerMessage(serializedBytes: bytes)
        }
    }
}
