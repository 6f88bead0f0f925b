import XCTest

@testable import RecWire

/// The contract of every Swift reader of a hot frame: on canonical frames (every fourth input) it
/// reads them; on any input it either agrees with protobuf-c or hands the frame back, and the
/// public decoder answers exactly as protobuf-c alone. Returns (read, handed back).
func checkReaderAgreesWithProtobufC<M: Equatable>(
    rounds: Int, seed: UInt64, canonical: (inout WirePropertyTests.Generator) -> [UInt8],
    fast: ([UInt8]) -> M?, slow: ([UInt8]) -> M?, decoder: ([UInt8]) -> M?,
    file: StaticString = #filePath, line: UInt = #line
) -> (read: Int, handedBack: Int) {
    var g = WirePropertyTests.Generator(state: seed)
    var read = 0, handedBack = 0
    for n in 0..<rounds {
        let frame = canonical(&g)
        let input = n % 4 == 0 ? frame : g.mutate(frame)
        let expected = slow(input)
        if let got = fast(input) {
            read += 1
            XCTAssertEqual(expected, got, "the Swift reader and protobuf-c disagree on \(input)", file: file, line: line)
        } else {
            handedBack += 1
            XCTAssertFalse(n % 4 == 0, "a canonical frame was handed back", file: file, line: line)
        }
        XCTAssertEqual(decoder(input), expected, file: file, line: line)
    }
    return (read, handedBack)
}

/// The Swift codec of the hot reply frame against protobuf-c: the same bytes out, and on any input
/// either the same decoded value or a hand-back to protobuf-c (never a different answer).
final class CanonicalCodecTests: XCTestCase {
    typealias Generator = WirePropertyTests.Generator

    static func randomReply(_ g: inout Generator) -> ShardReply {
        var r = ShardReply(requestID: g.below(4) == 0 ? "" : String(g.next() % 1_000_000_000))
        r.modelVersion = g.below(4) == 0 ? "" : "v" + String(g.next(), radix: 16)
        r.shard = g.below(3) == 0 ? 0 : UInt32(truncatingIfNeeded: g.next() >> UInt64(g.below(64)))
        let n = g.below(3) == 0 ? 0 : g.below(700)
        r.items = (0..<n).map { _ in UInt32(truncatingIfNeeded: g.next() >> UInt64(g.below(64))) }
        r.scores = (0..<n).map { _ in
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: g.next()))
            return f.isFinite ? f : 1  // a non-finite score is refused (tested below)
        }
        r.shardCount = g.below(3) == 0 ? 0 : UInt32(truncatingIfNeeded: g.next() >> UInt64(g.below(64)))
        return r
    }

    func testRepliesAreWrittenByteForByteAsProtobufCWritesThem() throws {
        var g = Generator(state: 7)
        for _ in 0..<2_000 {
            let m = WorkerMessage.reply(Self.randomReply(&g))
            XCTAssertEqual(m.serializedBytes(), m.protobufCBytes())
            XCTAssertEqual(try WorkerMessage(serializedBytes: m.serializedBytes()), m)
        }
        // Extremes: the largest values of every type.
        var r = ShardReply(requestID: "18446744073709551615")
        r.shard = .max; r.items = [.max, 0]; r.scores = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude]; r.shardCount = .max
        XCTAssertEqual(WorkerMessage.reply(r).serializedBytes(), WorkerMessage.reply(r).protobufCBytes())
        XCTAssertEqual(ShardReplyCodec.decode(WorkerMessage.reply(r).serializedBytes(), limits: .standard), r)
    }

    func testTheSwiftReaderAgreesWithProtobufCOrHandsTheFrameBack() {
        let (read, handedBack) = checkReaderAgreesWithProtobufC(
            rounds: 8_000, seed: 11, canonical: { WorkerMessage.reply(Self.randomReply(&$0)).serializedBytes() },
            fast: { ShardReplyCodec.decode($0, limits: .standard).map(WorkerMessage.reply) },
            slow: { try? WorkerMessage(protobufC: $0) }, decoder: { try? WorkerMessage(serializedBytes: $0) })
        XCTAssertGreaterThan(read, 2_000)
        XCTAssertGreaterThan(handedBack, 500)
    }

    func testNonCanonicalButLegalFramesStillDecodeThroughProtobufC() throws {
        // Unpacked repeated items, fields out of order, a duplicate scalar: legal protobuf the
        // Swift reader does not take, answered by the general decoder.
        let unpackedItems: [UInt8] = [
            0x08, 0x01, 0x12, 0x0D, 0x0A, 0x01, 0x37, 0x28, 0x05, 0x28, 0x06,
            0x42, 0x04, 0x00, 0x00, 0x80, 0x3F, 0x48, 0x02
        ]
        XCTAssertNil(ShardReplyCodec.decode(unpackedItems, limits: .standard))
        let scoreFirst: [UInt8] = [0x08, 0x01, 0x12, 0x0C, 0x0A, 0x01, 0x37, 0x42, 0x04, 0x00, 0x00, 0x80, 0x3F, 0x2A, 0x01, 0x05]
        XCTAssertNil(ShardReplyCodec.decode(scoreFirst, limits: .standard))
        guard case let .reply(r) = try WorkerMessage(serializedBytes: scoreFirst) else { return XCTFail("not a reply") }
        XCTAssertEqual(r.requestID, "7")
        XCTAssertEqual(r.items, [5])
        XCTAssertEqual(r.scores, [1])
        // A non-finite score is refused by both readers.
        var infinite = ShardReply(requestID: "8")
        infinite.items = [1]; infinite.scores = [.infinity]
        XCTAssertNil(ShardReplyCodec.decode(WorkerMessage.reply(infinite).serializedBytes(), limits: .standard))
        XCTAssertThrowsError(try WorkerMessage(serializedBytes: WorkerMessage.reply(infinite).serializedBytes()))
        // Two unpacked items and one score: the lengths differ, refused by the general decoder.
        XCTAssertThrowsError(try WorkerMessage(serializedBytes: unpackedItems))
        // Over the limits: refused with the general decoder's error, not read.
        var big = ShardReply(requestID: "1")
        big.items = Array(repeating: 1, count: 11); big.scores = Array(repeating: 1, count: 11)
        var limits = WireLimits.standard
        limits.maxResultItems = 10
        XCTAssertNil(ShardReplyCodec.decode(WorkerMessage.reply(big).serializedBytes(), limits: limits))
        XCTAssertThrowsError(try WorkerMessage(serializedBytes: WorkerMessage.reply(big).serializedBytes(), limits: limits))
    }
}

/// The same contract for the Swift reader of recommendation requests.
final class RecommendRequestCodecTests: XCTestCase {
    typealias Generator = WirePropertyTests.Generator

    static func randomRequest(_ g: inout Generator) -> RecommendRequest {
        let n = g.below(3) == 0 ? 0 : g.below(150)
        let ids = (0..<n).map { k in g.below(5) == 0 ? "é\(k)-" + String(g.next(), radix: 36) : String(g.next() % 5_000) }
        let ratings = (0..<n).map { _ in Float(g.below(11)) / 2 }
        let timestamps = g.below(2) == 0 ? [] : (0..<n).map { _ in Double(g.next() % 2_000_000_000) }
        let a = g.below(4) == 0 ? g.below(4) : 0
        var r = RecommendRequest(
            requestID: g.below(4) == 0 ? "" : String(g.next(), radix: 16), itemIDs: ids, ratings: ratings,
            timestamps: timestamps, attributeNames: (0..<a).map { "name\($0)" },
            attributeValues: (0..<a).map { "v\($0)" }, k: UInt32(g.below(3) == 0 ? 0 : g.below(1_000)),
            deadlineUnixMicros: g.below(2) == 0 ? 0 : g.next() >> UInt64(g.below(64)),
            modelVersion: g.below(2) == 0 ? "" : "m" + String(g.next(), radix: 16))
        // Filters in a quarter of the requests.
        if g.below(4) == 0 {
            r.excludeItemIDs = (0..<g.below(30)).map { _ in String(g.next() % 5_000) }
            r.allowItemIDs = (0..<(g.below(2) == 0 ? 0 : g.below(60))).map { _ in String(g.next() % 5_000) }
            r.itemConditions = (0..<g.below(4)).map { k in k % 2 == 0 ? "genre in Drama|Comédie" : "year >= \(1900 + g.below(120))" }
        }
        r.explain = g.below(5) == 0
        return r
    }

    func testTheSwiftReaderAgreesWithProtobufCOrHandsTheFrameBack() {
        let (read, handedBack) = checkReaderAgreesWithProtobufC(
            rounds: 6_000, seed: 5, canonical: { ClientMessage.recommend(Self.randomRequest(&$0)).serializedBytes() },
            fast: { RecommendRequestCodec.decode($0, limits: .standard).map(ClientMessage.recommend) },
            slow: { try? ClientMessage(protobufC: $0) }, decoder: { try? ClientMessage(serializedBytes: $0) })
        XCTAssertGreaterThan(read, 1_500)
        XCTAssertGreaterThan(handedBack, 500)
    }

    func testInvalidRequestsAreRefusedByTheGeneralDecoderWithItsErrors() {
        var nul = ClientMessage.recommend(RecommendRequest(requestID: "r", itemIDs: ["a~b"], ratings: [5])).serializedBytes()
        nul[nul.firstIndex(of: UInt8(ascii: "~"))!] = 0
        XCTAssertNil(RecommendRequestCodec.decode(nul, limits: .standard))
        XCTAssertThrowsError(try ClientMessage(serializedBytes: nul))
        let nan = ClientMessage.recommend(RecommendRequest(requestID: "r", itemIDs: ["a"], ratings: [.nan])).serializedBytes()
        XCTAssertThrowsError(try ClientMessage(serializedBytes: nan)) { XCTAssertTrue("\($0)".contains("ratings"), "\($0)") }
        let mismatch = ClientMessage.recommend(RecommendRequest(requestID: "r", itemIDs: ["a", "b"], ratings: [5])).serializedBytes()
        XCTAssertThrowsError(try ClientMessage(serializedBytes: mismatch))
        var limits = WireLimits.standard
        limits.maxHistory = 2
        let long = ClientMessage.recommend(RecommendRequest(requestID: "r", itemIDs: ["a", "b", "c"], ratings: [5, 5, 5])).serializedBytes()
        XCTAssertNil(RecommendRequestCodec.decode(long, limits: limits))
        XCTAssertThrowsError(try ClientMessage(serializedBytes: long, limits: limits))
        // Invalid UTF-8 in an item ID.
        var bad = ClientMessage.recommend(RecommendRequest(requestID: "r", itemIDs: ["ab"], ratings: [5])).serializedBytes()
        if let at = bad.firstIndex(of: UInt8(ascii: "a")) { bad[at] = 0xC3; bad[at + 1] = 0x28 }
        XCTAssertNil(RecommendRequestCodec.decode(bad, limits: .standard))
        XCTAssertThrowsError(try ClientMessage(serializedBytes: bad))
    }
}

/// The Swift writer of answers against protobuf-c: the same bytes for any answer without
/// explanations (those go through protobuf-c).
final class RecommendResponseCodecTests: XCTestCase {
    typealias Generator = WirePropertyTests.Generator

    static func randomResponse(_ g: inout Generator) -> RecommendResponse {
        func text() -> String {
            switch g.below(5) {
            case 0: return ""
            case 1: return "é\(g.next() % 1_000)-" + String(g.next(), radix: 36)
            default: return String(g.next() % 100_000)
            }
        }
        func u32() -> UInt32 { g.below(3) == 0 ? 0 : UInt32(truncatingIfNeeded: g.next() >> UInt64(g.below(64))) }
        func float() -> Float { let f = Float(bitPattern: UInt32(truncatingIfNeeded: g.next())); return f.isFinite ? f : -1 }
        var r = RecommendResponse(requestID: text())
        let n = g.below(3) == 0 ? 0 : g.below(120)
        r.itemIDs = (0..<n).map { _ in text() }
        r.scores = (0..<n).map { _ in float() }
        let c = g.below(12)
        r.clusterIDs = (0..<c).map { _ in u32() }
        r.clusterWeights = (0..<c).map { _ in float() }
        r.modelVersion = text()
        r.coverage = [0, 1, 0.5, 2.0 / 3, Double(g.below(1_000)) / 1_000][g.below(5)]
        r.degradedReasons = (0..<g.below(3)).map { _ in text() }
        r.timings.totalMicros = u32(); r.timings.encodeMicros = u32(); r.timings.fanoutMicros = u32(); r.timings.mergeMicros = u32()
        r.unknownItems = u32(); r.truncatedInteractions = u32(); r.filledFromPopularity = u32(); r.filteredCandidates = u32()
        return r
    }

    func testAnswersAreWrittenByteForByteAsProtobufCWritesThem() throws {
        var g = Generator(state: 19)
        for _ in 0..<3_000 {
            let m = ServerMessage.recommend(Self.randomResponse(&g))
            XCTAssertEqual(m.serializedBytes(), m.protobufCBytes())
            XCTAssertEqual(try ServerMessage(serializedBytes: m.serializedBytes()), m)
        }
        var empty = RecommendResponse(requestID: "")
        empty.coverage = 0
        XCTAssertEqual(ServerMessage.recommend(empty).serializedBytes(), ServerMessage.recommend(empty).protobufCBytes())
        // With explanations the general encoder writes it.
        var explained = RecommendResponse(requestID: "x")
        explained.itemIDs = ["a"]; explained.scores = [1]
        explained.explanations = [RecommendResponse.Explanation(clusterIDs: [3], clusterShares: [1], becauseItemIDs: ["b"], similarities: [0.5])]
        XCTAssertNil(RecommendResponseCodec.encode(explained))
        XCTAssertEqual(try ServerMessage(serializedBytes: ServerMessage.recommend(explained).serializedBytes()), .recommend(explained))
    }
}

/// The same contract for the sub-request every shard gets.
final class ShardQueryCodecTests: XCTestCase {
    typealias Generator = WirePropertyTests.Generator

    static func randomQuery(_ g: inout Generator) -> ShardQuery {
        func u32() -> UInt32 { UInt32(truncatingIfNeeded: g.next() >> UInt64(g.below(64))) }
        func float() -> Float { let f = Float(bitPattern: UInt32(truncatingIfNeeded: g.next())); return f.isFinite ? f : 1 }
        var q = ShardQuery(requestID: g.below(4) == 0 ? "" : String(g.next() % 1_000_000_000))
        q.deadlineUnixMicros = g.below(3) == 0 ? 0 : g.next() >> UInt64(g.below(64))
        q.modelVersion = g.below(4) == 0 ? "" : "v" + String(g.next(), radix: 16)
        let c = g.below(12)
        q.clusterIDs = (0..<c).map { _ in u32() }
        q.clusterWeights = (0..<c).map { _ in float() }
        q.excludeItems = (0..<(g.below(3) == 0 ? 0 : g.below(300))).map { _ in u32() }
        q.rankingItems = (0..<(g.below(3) == 0 ? 0 : g.below(200))).map { _ in u32() }
        q.voteBound = [0, -0.0, 1.5, abs(float())][g.below(4)]
        q.itemItemBound = [0, 0.25, abs(float())][g.below(3)]
        q.k = g.below(3) == 0 ? 0 : UInt32(g.below(10_001))
        q.shardCount = g.below(3) == 0 ? 0 : u32()
        return q
    }

    func testQueriesAreWrittenByteForByteAsProtobufCWritesThem() throws {
        var g = Generator(state: 23)
        for _ in 0..<3_000 {
            let m = CoordinatorMessage.query(Self.randomQuery(&g))
            XCTAssertEqual(m.serializedBytes(), m.protobufCBytes())
            XCTAssertEqual(try CoordinatorMessage(serializedBytes: m.serializedBytes()), m)
        }
        var response = RecommendResponse(requestID: "z")
        response.coverage = -0.0
        XCTAssertEqual(ServerMessage.recommend(response).serializedBytes(), ServerMessage.recommend(response).protobufCBytes())
    }

    func testTheSwiftReaderAgreesWithProtobufCOrHandsTheFrameBack() {
        let (read, handedBack) = checkReaderAgreesWithProtobufC(
            rounds: 8_000, seed: 29, canonical: { CoordinatorMessage.query(Self.randomQuery(&$0)).serializedBytes() },
            fast: { ShardQueryCodec.decode($0, limits: .standard).map(CoordinatorMessage.query) },
            slow: { try? CoordinatorMessage(protobufC: $0) }, decoder: { try? CoordinatorMessage(serializedBytes: $0) })
        XCTAssertGreaterThan(read, 2_000)
        XCTAssertGreaterThan(handedBack, 500)
    }
}
