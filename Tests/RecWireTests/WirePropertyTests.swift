import XCTest

@testable import RecWire

/// Property tests over random and mutated bytes for every decoder of network input (the libFuzzer
/// targets in Sources/Fuzz* explore further; deploy/fuzz.sh runs them): decoding never crashes,
/// and whatever decodes re-encodes to an equal value.
final class WirePropertyTests: XCTestCase {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }

        /// Flips, inserts, deletes or overwrites a few bytes of `seed`.
        mutating func mutate(_ seed: [UInt8]) -> [UInt8] {
            var b = seed
            for _ in 0..<(1 + below(4)) {
                switch below(4) {
                case 0 where !b.isEmpty: b[below(b.count)] ^= UInt8(1 << below(8))
                case 1: b.insert(UInt8(truncatingIfNeeded: next()), at: below(b.count + 1))
                case 2 where !b.isEmpty: b.remove(at: below(b.count))
                default: if !b.isEmpty { b[below(b.count)] = [0x00, 0x7F, 0x80, 0xFF][below(4)] }
                }
            }
            return b
        }
    }

    func check<M: Equatable>(_ decode: ([UInt8]) throws -> M, _ encode: (M) -> [UInt8], seeds: [[UInt8]], name: String) {
        var g = Generator(state: 42)
        var decoded = 0
        for n in 0..<20_000 {
            let input = n % 2 == 0 ? g.bytes(g.below(64)) : g.mutate(seeds[g.below(seeds.count)])
            guard let message = try? decode(input) else { continue }
            decoded += 1
            XCTAssertEqual(try? decode(encode(message)), message, "\(name): \(input) did not survive a round trip")
        }
        XCTAssertGreaterThan(decoded, 0, "\(name): the mutations never produced a decodable message")
    }

    func testEveryDecoderSurvivesRandomAndMutatedBytes() {
        let request = RecommendRequest(requestID: "r", itemIDs: ["1", "2", "3"], ratings: [5, 4, 3], k: 10)
        check(
            { try ClientMessage(serializedBytes: $0) }, { $0.serializedBytes() },
            seeds: [ClientMessage.recommend(request).serializedBytes(), ClientMessage.status(StatusRequest(requestID: "s")).serializedBytes()],
            name: "ClientMessage")
        var response = RecommendResponse(requestID: "r")
        response.itemIDs = ["1", "2"]; response.scores = [0.5, 0.25]; response.clusterIDs = [3]; response.clusterWeights = [0.9]
        check(
            { try ServerMessage(serializedBytes: $0) }, { $0.serializedBytes() },
            seeds: [
                ServerMessage.recommend(response).serializedBytes(),
                ServerMessage.error(ErrorReply(requestID: "e", code: .malformed, message: "bad")).serializedBytes()
            ],
            name: "ServerMessage")
        var query = ShardQuery(requestID: "7")
        query.clusterIDs = [1, 2]; query.clusterWeights = [0.5, 0.25]; query.excludeItems = [4, 5]; query.rankingItems = [4]
        query.voteBound = 1.5; query.itemItemBound = 0.5; query.k = 10; query.shardCount = 3
        check(
            { try CoordinatorMessage(serializedBytes: $0) }, { $0.serializedBytes() },
            seeds: [
                CoordinatorMessage.query(query).serializedBytes(),
                CoordinatorMessage.heartbeat(Heartbeat(shard: 1, modelVersion: "v", sentUnixMicros: 5)).serializedBytes()
            ],
            name: "CoordinatorMessage")
        var reply = ShardReply(requestID: "7")
        reply.items = [1, 2]; reply.scores = [0.5, -5]; reply.shardCount = 3
        check(
            { try WorkerMessage(serializedBytes: $0) }, { $0.serializedBytes() },
            seeds: [
                WorkerMessage.reply(reply).serializedBytes(),
                WorkerMessage.heartbeat(Heartbeat(shard: 0, modelVersion: "v", sentUnixMicros: 1, draining: true)).serializedBytes()
            ],
            name: "WorkerMessage")
    }

    func testPeekedRequestIDsEqualTheDecodedOnes() throws {
        var g = Generator(state: 7)
        let request = RecommendRequest(requestID: "req-é-42", itemIDs: ["1", "2"], ratings: [5, 4], k: 10)
        let seeds = [
            ClientMessage.recommend(request).serializedBytes(), ClientMessage.status(StatusRequest(requestID: "s1")).serializedBytes(),
            ClientMessage.recommend(RecommendRequest(requestID: "")).serializedBytes(),
            ClientMessage.blockItems(BlockItemsRequest(requestID: "b7", itemIDs: ["1", "é"], unblock: true)).serializedBytes()
        ]
        XCTAssertEqual(ClientMessage.peekRequestID(seeds[0]), "req-é-42")
        XCTAssertEqual(ClientMessage.peekRequestID(seeds[1]), "s1")
        XCTAssertEqual(ClientMessage.peek(seeds[0])?.kind, .recommend)
        XCTAssertEqual(ClientMessage.peek(seeds[1])?.kind, .status)
        XCTAssertEqual(ClientMessage.peek(seeds[3])?.kind, .blockItems)
        XCTAssertEqual(ClientMessage.peekRequestID(seeds[3]), "b7")
        XCTAssertEqual(
            try ClientMessage(serializedBytes: seeds[3]),
            .blockItems(BlockItemsRequest(requestID: "b7", itemIDs: ["1", "é"], unblock: true)))
        XCTAssertEqual(
            ClientMessage.peek(ClientMessage.rollback(StatusRequest(requestID: "r")).serializedBytes()), .init(kind: .rollback, requestID: "r"))
        XCTAssertEqual(ClientMessage.peekRequestID(seeds[2]), "")
        XCTAssertNil(ClientMessage.peekRequestID([0xFF, 0xFF, 0xFF]))
        XCTAssertNil(ClientMessage.peekRequestID([]))
        var agreed = 0
        for _ in 0..<20_000 {
            let input = g.mutate(seeds[g.below(seeds.count)])
            let peeked = ClientMessage.peek(input)
            guard let message = try? ClientMessage(serializedBytes: input) else { continue }
            switch message {
            case let .recommend(r):
                if let peeked { XCTAssertEqual(peeked.kind, .recommend, "\(input)") }
                if let id = peeked?.requestID { XCTAssertEqual(id, r.requestID, "\(input)") }
            case let .status(s):
                if let peeked { XCTAssertEqual(peeked.kind, .status, "\(input)") }
                if let id = peeked?.requestID { XCTAssertEqual(id, s.requestID, "\(input)") }
            case let .rollback(s):
                if let peeked { XCTAssertEqual(peeked.kind, .rollback, "\(input)") }
                if let id = peeked?.requestID { XCTAssertEqual(id, s.requestID, "\(input)") }
            case let .blockItems(b):
                if let peeked { XCTAssertEqual(peeked.kind, .blockItems, "\(input)") }
                if let id = peeked?.requestID { XCTAssertEqual(id, b.requestID, "\(input)") }
            }
            agreed += 1
        }
        XCTAssertGreaterThan(agreed, 100)
    }

    /// A length-delimited protobuf field (for frames our encoder would not produce).
    func field(_ number: UInt8, _ payload: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(payload.count)] + payload }

    func testEmbeddedNULBytesAreRejectedNotTruncated() throws {
        // Found by comparing the cheap request-ID reader with the decoder: protobuf-c reads strings
        // as C strings, so an item ID "50\0x" would have been served as item "50".
        let ratings: [UInt8] = [0x1A, 8, 0, 0, 0xA0, 0x40, 0, 0, 0x80, 0x40]  // packed floats 5, 4
        let request =
            field(1, Array("r".utf8)) + field(2, Array("50".utf8) + [0] + Array("x".utf8)) + field(2, Array("7".utf8))
            + ratings + [0x38, 3]
        let frame = [0x08, 1] + field(2, request)
        XCTAssertThrowsError(try ClientMessage(serializedBytes: frame)) { error in
            guard case .invalidValue? = error as? WireError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("NUL"), "\(error)")
        }
        let clean = [0x08, 1] + field(2, field(1, Array("r".utf8)) + field(2, Array("50".utf8)) + field(2, Array("7".utf8)) + ratings + [0x38, 3])
        guard case let .recommend(r) = try ClientMessage(serializedBytes: clean) else { return XCTFail("not a recommend request") }
        XCTAssertEqual(r.itemIDs, ["50", "7"])
        let badID = [0x08, 1] + field(3, field(1, [0x61, 0, 0x62]))
        XCTAssertThrowsError(try ClientMessage(serializedBytes: badID))
        XCTAssertNil(ClientMessage.peekRequestID(badID))
        let badReply = [0x08, 1] + field(2, field(1, [0x39, 0, 0x39]))
        XCTAssertThrowsError(try WorkerMessage(serializedBytes: badReply))
    }

    func testPeekFollowsProtobufMergeRules() {
        // Found by FuzzClientMessage: with two status bodies, the last one's request_id counts.
        let twice = [0x08, 1] + field(3, field(1, Array("s".utf8))) + field(3, field(1, [0x02]))
        XCTAssertEqual(ClientMessage.peekRequestID(twice), "\u{02}")
        guard case let .status(s)? = try? ClientMessage(serializedBytes: twice) else { return XCTFail("did not decode") }
        XCTAssertEqual(s.requestID, "\u{02}")
        let switched = [0x08, 1] + field(2, field(1, Array("r".utf8))) + field(3, [])
        XCTAssertEqual(ClientMessage.peekRequestID(switched), "", "the last oneof member wins")
        // protobuf-c replaces a repeated oneof body instead of merging it (found by the fuzzer too).
        let replaced = [0x08, 1] + field(3, field(1, Array("s".utf8))) + field(3, field(9, Array("s".utf8)))
        XCTAssertEqual(ClientMessage.peekRequestID(replaced), "")
        guard case let .status(t)? = try? ClientMessage(serializedBytes: replaced) else { return XCTFail("did not decode") }
        XCTAssertEqual(t.requestID, "")
    }

    func testAResponseWithNonFiniteNumbersIsRejected() throws {
        // Found by FuzzServerMessage: a NaN score decoded, and so did not compare equal after a round trip.
        var response = RecommendResponse(requestID: "r")
        response.itemIDs = ["1"]; response.scores = [.nan]
        XCTAssertThrowsError(try ServerMessage(serializedBytes: ServerMessage.recommend(response).serializedBytes()))
        response.scores = [1]; response.coverage = 1.5
        XCTAssertThrowsError(try ServerMessage(serializedBytes: ServerMessage.recommend(response).serializedBytes()))
        response.coverage = 1; response.clusterIDs = [1]; response.clusterWeights = [.infinity]
        XCTAssertThrowsError(try ServerMessage(serializedBytes: ServerMessage.recommend(response).serializedBytes()))
    }
}
