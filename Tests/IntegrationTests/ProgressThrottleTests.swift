import XCTest

@testable import RecApp

/// A log that is not a terminal gets a line per epoch and, within a long epoch, one at least every
/// interval — so a user can tell a long training is alive.
final class ProgressThrottleTests: XCTestCase {
    func testALineEveryEpochAndEveryIntervalWithinALongEpoch() {
        var t = ProgressThrottle(interval: 10)
        // A long epoch of 1,000 batches, one every 0.1 s (100 s): a line at 10 s, 20 s, …, and at its end.
        var printed: [Int] = []
        for b in 1...1_000 where t.shouldPrint(epoch: 1, batch: b, batches: 1_000, now: Double(b) * 0.1) { printed.append(b) }
        XCTAssertEqual(printed.first, 101, "first line once 10 s have passed since the first report")
        XCTAssertTrue(printed.count >= 9 && printed.count <= 11, "\(printed)")
        XCTAssertEqual(printed.last, 1_000, "the epoch's end always gets a line")
        XCTAssertTrue(zip(printed, printed.dropFirst()).allSatisfy { $1 - $0 >= 90 || $1 == 1_000 }, "no more often than the interval")
        // Short epochs (a second each): exactly one line per epoch.
        var short = ProgressThrottle(interval: 10)
        var lines = 0
        for e in 1...5 {
            for b in 1...10 where short.shouldPrint(epoch: e, batch: b, batches: 10, now: Double(e - 1) + Double(b) * 0.1) { lines += 1 }
        }
        XCTAssertEqual(lines, 5)
    }
}
