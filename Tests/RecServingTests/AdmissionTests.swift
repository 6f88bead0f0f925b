import RecVote
import RecWire
import XCTest

@testable import RecServing

/// The coordinator's admission under overload: the adaptive in-flight limit and the cheap refusal
/// path (uses `CoordinatorReliabilityTests.Driver`: the core and real worker cores, frames in between).
final class AdmissionTests: XCTestCase {
    typealias Driver = CoordinatorReliabilityTests.Driver
    let start: WallInstant = 1_700_000_000_000_000
    struct MissingReply: Error {}

    func request(_ id: String) -> RecommendRequest {
        let log = CoordinatorCoreTests.dataset.log
        let h = log.history(of: 17)
        return RecommendRequest(requestID: id, itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings, k: 10)
    }

    func status(_ d: inout Driver) throws -> StatusResponse {
        d.apply(d.core.onClient(routing: [2], payload: ClientMessage.status(StatusRequest(requestID: "st")).serializedBytes(), now: d.now))
        guard case let .status(s)? = d.toClients.last else {
            XCTFail("no status reply: \(String(describing: d.toClients.last))")
            throw MissingReply()
        }
        return s
    }

    func testAtTheLimitARecommendationIsRefusedUndecodedWhileStatusIsStillAnswered() throws {
        var configuration = CoordinatorCore.Configuration()
        configuration.maxInFlight = 1
        var d = try Driver(shards: 2, replicas: 1, configuration: configuration, now: start)
        d.send(request("admitted"))
        // A recommendation the decoder would reject (an item ID with a NUL byte): beyond the limit it
        // is refused as overloaded without being decoded, with its request ID.
        func field(_ number: UInt8, _ payload: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(payload.count)] + payload }
        let undecodable = [0x08, 1] + field(2, field(1, Array("over".utf8)) + field(2, [0x35, 0, 0x78]))
        XCTAssertThrowsError(try ClientMessage(serializedBytes: undecodable))
        d.apply(d.core.onClient(routing: [1], payload: undecodable, now: d.now))
        XCTAssertEqual(d.errors.map(\.code), [.overloaded])
        XCTAssertEqual(d.errors.first?.requestID, "over")
        XCTAssertTrue(d.errors.first?.message.contains("its limit of 1 requests in flight is reached") == true, d.errors.first?.message ?? "")
        let s = try status(&d)
        XCTAssertEqual(s.inFlight, 1)
        XCTAssertEqual(s.admissionLimit, 1)
        XCTAssertEqual(s.overloaded, 1)
        d.deliver()
        XCTAssertEqual(d.recommendations.map(\.requestID), ["admitted"])
        // Below the limit the same frame is decoded and gets its real error.
        d.apply(d.core.onClient(routing: [1], payload: undecodable, now: d.now))
        XCTAssertEqual(d.errors.last?.code, .invalidArgument)
    }

    func testSlowAnswersShrinkTheAdmissionLimitAndFastOnesGrowItBack() throws {
        var configuration = CoordinatorCore.Configuration()
        configuration.latencyTarget = .microseconds(10_000)
        var d = try Driver(shards: 1, replicas: 1, configuration: configuration, now: start)
        XCTAssertEqual(d.core.admissionLimit, 64, "the adaptive limit starts at 64")
        d.behaviour[0] = .silent
        for i in 0..<65 { d.send(request("slow-\(i)")) }
        XCTAssertEqual(d.errors.map(\.requestID), ["slow-64"])
        // They all end at their deadline (500 ms, far above the 10 ms target): one decrease, by the
        // strongest factor (× 0.5), not one per request (they were all admitted under the old limit).
        d.advance(by: .microseconds(600_000), step: .microseconds(10_000))
        XCTAssertEqual(d.recommendations.count, 64)
        XCTAssertEqual(d.core.admissionLimit, 32)
        XCTAssertEqual(try status(&d).admissionLimit, 32)
        // Fast answers while the limit is reached: it grows by one per window (50 ms).
        d.behaviour[0] = .normal
        for round in 0..<4 {
            for i in 0..<(d.core.admissionLimit + 1) { d.send(request("fast-\(round)-\(i)")) }
            d.deliver()
            d.advance(by: .microseconds(50_000), step: .microseconds(50_000))
        }
        XCTAssertEqual(d.core.admissionLimit, 35, "grown by one in each of the three windows that closed")
        XCTAssertEqual(d.core.inFlight, 0)
    }

    func testWithoutALatencyTargetOnlyTheConfiguredMaximumApplies() throws {
        var configuration = CoordinatorCore.Configuration()
        configuration.latencyTarget = nil
        configuration.maxInFlight = 100
        var d = try Driver(shards: 1, replicas: 1, configuration: configuration, now: start)
        d.behaviour[0] = .silent
        for i in 0..<101 { d.send(request("r-\(i)")) }
        XCTAssertEqual(d.errors.map(\.requestID), ["r-100"])
        d.advance(by: .microseconds(600_000), step: .microseconds(10_000))
        XCTAssertEqual(d.core.admissionLimit, 100)
        var bad = CoordinatorCore.Configuration()
        bad.latencyTarget = .microseconds(0)
        XCTAssertNotNil(bad.validationError())
    }
}
