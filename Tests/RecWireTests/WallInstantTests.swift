import RecWire
import XCTest

final class WallInstantTests: XCTestCase {
    func testArithmeticWithDurationsAndItsLimits() {
        let t: WallInstant = 1_000_000
        XCTAssertEqual(t + .milliseconds(5), 1_005_000)
        XCTAssertEqual(t + .microseconds(-400), 999_600)
        XCTAssertEqual((t + .milliseconds(5)) - t, .milliseconds(5))
        XCTAssertEqual(t - (t + .seconds(2)), .seconds(-2))
        XCTAssertEqual(t + .seconds(-10), 0, "clamped at the epoch")
        XCTAssertEqual(WallInstant(microsecondsSinceEpoch: .max - 1) + .seconds(1), WallInstant(microsecondsSinceEpoch: .max))
        XCTAssertEqual(Duration.nanoseconds(1_999).wholeMicroseconds, 1, "truncated")
        XCTAssertEqual(Duration.microseconds(1_001).roundedUpMilliseconds, 2, "a poll never wakes early")
        XCTAssertEqual(Duration.microseconds(-5).roundedUpMilliseconds, 0)
        XCTAssertLessThan(WallInstant(5), WallInstant(6))
    }
}
