import XCTest

@testable import RecData

final class StringIndexTableTests: XCTestCase {
    func testEveryStringIsFoundAtItsIndexAndOthersAreNot() {
        // Deterministic strings: numbers, prefixes of each other, non-ASCII, empty.
        var strings = (0..<5_000).map { String($0) }
        strings += ["", "é", "ée", "日本語", "a\u{301}", "tt0114709", String(repeating: "x", count: 300)]
        let table = StringIndexTable(strings)
        XCTAssertEqual(table.count, strings.count)
        for (i, s) in strings.enumerated() { XCTAssertEqual(table.index(of: s), i, s) }
        for miss in ["5000", "-1", "00", "é ", "日本", "á", "tt011470", String(repeating: "x", count: 299)] {
            XCTAssertNil(table.index(of: miss), miss)
        }
        // Byte lookups agree with String lookups.
        for s in ["42", "é", "nope"] {
            var copy = s
            XCTAssertEqual(copy.withUTF8 { table.index(of: $0) }, table.index(of: s))
        }
    }

    func testRepeatedStringsKeepTheirFirstIndexAndPositionsStayAligned() {
        let table = StringIndexTable(["a", "b", "a", "c"])
        XCTAssertEqual(table.index(of: "a"), 0)
        XCTAssertEqual(table.index(of: "b"), 1)
        XCTAssertEqual(table.index(of: "c"), 3)
        XCTAssertEqual(table.count, 4)
        XCTAssertNil(StringIndexTable([]).index(of: "a"))
    }
}
