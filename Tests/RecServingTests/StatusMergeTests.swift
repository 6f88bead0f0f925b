import RecWire
import XCTest

@testable import RecServing

/// One status for several poll loops: counters add up, percentiles are the slowest loop's,
/// readiness and live replicas are what every loop agrees on.
final class StatusMergeTests: XCTestCase {
    func status(requests: UInt64, p99: UInt32, ready: Bool, alive: UInt32, shards: [UInt32] = [0, 1]) -> StatusResponse {
        var s = StatusResponse(requestID: "x")
        s.modelVersion = "v"
        s.requests = requests; s.errors = requests / 10; s.inFlight = UInt32(requests % 7); s.admissionLimit = 100
        s.p50Micros = p99 / 4; s.p90Micros = p99 / 2; s.p99Micros = p99
        s.ready = ready
        s.shards = shards.map { shard in
            var st = ShardStatus()
            st.shard = shard; st.requests = requests; st.p99Micros = p99; st.replicas = 2; st.replicasAlive = alive; st.alive = alive > 0
            return st
        }
        return s
    }

    func testOneLoopIsItsOwnStatus() {
        let own = status(requests: 5, p99: 900, ready: true, alive: 2)
        XCTAssertEqual(StatusMerge.merge(own, with: []), own)
    }

    func testCountersAddAndTheSlowestLoopsPercentilesWin() {
        let merged = StatusMerge.merge(
            status(requests: 10, p99: 800, ready: true, alive: 2),
            with: [
                status(requests: 20, p99: 1_200, ready: true, alive: 1),
                status(requests: 30, p99: 400, ready: false, alive: 2, shards: [0])
            ])
        XCTAssertEqual(merged.requestID, "x")
        XCTAssertEqual(merged.requests, 60)
        XCTAssertEqual(merged.errors, 1 + 2 + 3)
        XCTAssertEqual(merged.inFlight, 3 + 6 + 2)
        XCTAssertEqual(merged.admissionLimit, 300)
        XCTAssertEqual(merged.p99Micros, 1_200)
        XCTAssertEqual(merged.p90Micros, 600)
        XCTAssertFalse(merged.ready, "one loop not ready: the process is not")
        XCTAssertEqual(merged.shards.map(\.requests), [60, 30], "shard 1 is merged only with loops that list it")
        XCTAssertEqual(merged.shards.map(\.replicasAlive), [1, 1])
        XCTAssertEqual(merged.shards.map(\.p99Micros), [1_200, 1_200])
    }

    func testSumsSaturateInsteadOfWrapping() {
        var big = status(requests: 1, p99: 1, ready: true, alive: 1)
        big.inFlight = .max - 1
        let merged = StatusMerge.merge(big, with: [status(requests: 6, p99: 1, ready: true, alive: 1)])
        XCTAssertEqual(merged.inFlight, .max)
    }
}
