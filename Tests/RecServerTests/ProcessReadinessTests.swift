import XCTest

@testable import RecServer

/// A process with several poll loops is ready when every loop is, and says which one is not.
final class ProcessReadinessTests: XCTestCase {
    func testEveryPartMustBeReady() {
        let readiness = Readiness(parts: 3)
        XCTAssertFalse(readiness.current.ready)
        readiness.set(problem: nil, part: 0)
        readiness.set(problem: nil, part: 2)
        XCTAssertEqual(readiness.current.reason, "poll loop 1: starting")
        readiness.set(problem: nil, part: 1)
        XCTAssertTrue(readiness.current.ready)
        readiness.set(problem: "shard 2 has no live replica", part: 2)
        XCTAssertEqual(readiness.current.reason, "poll loop 2: shard 2 has no live replica")
        readiness.set(problem: nil, part: 7)  // no such part: ignored
        XCTAssertFalse(readiness.current.ready)
    }

    func testOnePartReportsItsReasonAlone() {
        let readiness = Readiness()
        readiness.set(ready: false, reason: "draining")
        XCTAssertEqual(readiness.current.reason, "draining")
        readiness.set(problem: nil)
        XCTAssertEqual(readiness.current.ready, true)
    }
}
