import XCTest

@testable import RecMath

final class SortedDistinctTests: XCTestCase {
    func testEqualsTheStandardLibrarysSortWithoutDuplicates() {
        var rng = SeededRandom(seed: 9)
        for n in [0, 1, 2, 3, 15, 16, 17, 40, 106, 500, 3_000] {
            for range in [2, 50, 1_000_000] {
                let values = (0..<n).map { _ in rng.below(range) }
                XCTAssertEqual(SortedDistinct.of(values), Array(Set(values)).sorted(), "n \(n), range \(range)")
            }
        }
        XCTAssertEqual(SortedDistinct.of(Array((0..<300).reversed())), Array(0..<300))
        XCTAssertEqual(SortedDistinct.of(Array(repeating: 7, count: 100)), [7])
        XCTAssertEqual(SortedDistinct.of([-5, 3, -5, 0]), [-5, 0, 3])
    }
}
