import XCTest
@testable import RecWire

/// The Swift codec of the hot reply frame against protobuf-c: the same bytes out, and on any input
/// either the same decoded value or a hand-back to protobuf-c (never a different answer).
final class CanonicalCodecTests: XCTestCase {
    typealias Generator = WirePropertyTests.Generator

    static func randomReply(_ g: inout Generator) -> ShardReply {
        var r = ShardReply(requestID: g.below(4) == 0 ? "" : String(g.next() % 1_000_000_000))
        r.modelVersion = g.below(4) == 0 ? "" : "v" + String(g.next(), radix: 16)
        r.shard = g.below(3) == 0 ? 0 : UInt32(truncatingIfNeeded: g.next() >> UInt64(g.below(64)))
        r.answeredClusters = (0..<g.below(12)).map { _ in UInt32(truncatingIfNeeded: g.next() >> UInt64(g.below(64))) }
        let n = g.below(3) == 0 ? 0 : g.below(700)
        r.items = (0..<n).map { _ in UInt32(truncatingIfNeeded: g.next() >> UInt64(g.below(64))) }
        r.sums = (0..<n).map { _ in Int64(bitPattern: g.next()) >> Int64(g.below(64)) }
        r.counts = (0..<n).map { _ in UInt32(truncatingIfNeeded: g.next() >> UInt64(32 + g.below(32))) }
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
        r.shard = .max; r.answeredClusters = [.max, 0]; r.items = [.max, 0]; r.sums = [.min, .max]; r.counts = [.max, 0]
        XCTAssertEqual(WorkerMessage.reply(r).serializedBytes(), WorkerMessage.reply(r).protobufCBytes())
        XCTAssertEqual(ShardReplyCodec.decode(WorkerMessage.reply(r).serializedBytes(), limits: .standard), r)
    }

    func testTheSwiftReaderAgreesWithProtobufCOrHandsTheFrameBack() {
        var g = Generator(state: 11)
        var read = 0, handedBack = 0
        for n in 0..<8_000 {
            let seed = WorkerMessage.reply(Self.randomReply(&g)).serializedBytes()
            let input = n % 4 == 0 ? seed : g.mutate(seed)
            let slow = try? WorkerMessage(protobufC: input)
            if let fast = ShardReplyCodec.decode(input, limits: .standard) {
                read += 1
                XCTAssertEqual(slow, .reply(fast), "the Swift reader and protobuf-c disagree on \(input)")
            } else {
                handedBack += 1
            }
            XCTAssertEqual(try? WorkerMessage(serializedBytes: input), slow)
        }
        XCTAssertGreaterThan(read, 2_000)
        XCTAssertGreaterThan(handedBack, 500)
    }

    func testNonCanonicalButLegalFramesStillDecodeThroughProtobufC() throws {
        // Unpacked repeated items, fields out of order, a duplicate scalar: legal protobuf the
        // Swift reader does not take, answered by the general decoder.
        let unpackedItems: [UInt8] = [0x08, 0x01, 0x12, 0x0F, 0x0A, 0x01, 0x37, 0x28, 0x05, 0x28, 0x06,
                                      0x32, 0x02, 0x02, 0x04, 0x3A, 0x02, 0x01, 0x01]
        XCTAssertNil(ShardReplyCodec.decode(unpackedItems, limits: .standard))
        guard case let .reply(r) = try WorkerMessage(serializedBytes: unpackedItems) else { return XCTFail("not a reply") }
        XCTAssertEqual(r.requestID, "7")
        XCTAssertEqual(r.items, [5, 6])
        XCTAssertEqual(r.sums, [1, 2])
        XCTAssertEqual(r.counts, [1, 1])
        // Over the limits: refused with the general decoder's error, not read.
        var big = ShardReply(requestID: "1")
        big.items = Array(repeating: 1, count: 11); big.sums = Array(repeating: 1, count: 11); big.counts = Array(repeating: 1, count: 11)
        var limits = WireLimits.standard
        limits.maxItems = 10
        XCTAssertNil(ShardReplyCodec.decode(WorkerMessage.reply(big).serializedBytes(), limits: limits))
        XCTAssertThrowsError(try WorkerMessage(serializedBytes: WorkerMessage.reply(big).serializedBytes(), limits: limits))
    }
}
