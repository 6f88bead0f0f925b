import RecInference
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// every refused request gets its request ID back whenever its bytes can be read, so a
/// client with many requests in flight on one socket can match the error instead of timing out.
final class ErrorRequestIDTests: XCTestCase {
    let now: WallInstant = 1_700_000_000_000_000

    /// A ClientMessage with the given protocol version around `request`'s body.
    func frame(_ request: RecommendRequest, protocolVersion: UInt32 = 1) -> [UInt8] {
        var bytes = ClientMessage.recommend(request).serializedBytes()
        // Field 1 (protocol_version, varint) comes first: replace it.
        precondition(bytes.starts(with: [0x08, 0x01]))
        var version: [UInt8] = []
        var v = UInt64(protocolVersion)
        while v >= 0x80 { version.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        version.append(UInt8(v))
        bytes.replaceSubrange(1..<2, with: version)
        return bytes
    }

    func testEveryRefusalThatCanBeReadCarriesItsRequestID() throws {
        var harness = try CoordinatorCoreTests.Harness(model: CoordinatorCoreTests.model, shards: 2, now: now)
        let ok = RecommendRequest(requestID: "x", itemIDs: ["i1"], ratings: [5], k: 5)
        var cases: [(String, [UInt8])] = []
        func add(_ name: String, _ change: (inout RecommendRequest) -> Void) {
            var r = ok
            r.requestID = name
            change(&r)
            cases.append((name, ClientMessage.recommend(r).serializedBytes()))
        }
        add("history-20000") {
            $0.itemIDs = (0..<20_000).map { "i\($0 % 80)" }; $0.ratings = Array(repeating: 5, count: 20_000)
        }
        add("nan-rating") { $0.ratings = [.nan] }
        add("inf-rating") { $0.ratings = [.infinity] }
        add("mismatched") { $0.ratings = [5, 4] }
        add("long-item-id") { $0.itemIDs = [String(repeating: "z", count: 100_000)] }
        add("attributes-20000") {
            $0.attributeNames = Array(repeating: "a", count: 20_000); $0.attributeValues = Array(repeating: "v", count: 20_000)
        }
        add("k-0") { $0.k = 0 }
        add("k-huge") { $0.k = 100_000 }
        for version: UInt32 in [0, 2, UInt32.max] {
            var r = ok
            r.requestID = "version-\(version)"
            cases.append((r.requestID, frame(r, protocolVersion: version)))
        }
        var huge = ok
        huge.requestID = "nine-mib"
        huge.itemIDs = [String(repeating: "y", count: 9 << 20)]
        cases.append(("nine-mib", ClientMessage.recommend(huge).serializedBytes()))
        for (id, bytes) in cases {
            let actions = harness.coordinator.onClient(routing: [3], payload: bytes, now: now)
            guard case let .toClient(_, payload)? = actions.first, case let .error(e) = try ServerMessage(serializedBytes: payload) else {
                XCTFail("\(id): not refused: \(actions)")
                continue
            }
            XCTAssertEqual(e.requestID, id, "\(id): \(e.message)")
        }
    }
}
