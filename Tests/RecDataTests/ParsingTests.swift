import RecTestSupport
import XCTest

@testable import RecData

final class ParsingTests: XCTestCase {
    let dir = TestFixtures.temporaryDirectory("parse")

    func file(_ name: String, _ text: String) -> String {
        let path = dir + "/" + name
        TestFixtures.write(text, to: path)
        return path
    }

    func assertDataError(
        _ expression: @autoclosure () throws -> Any, line expectedLine: Int, contains text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let e = error as? DataError else { return XCTFail("not a DataError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.line, expectedLine, "\(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains(text), "\(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains(e.file), file: file, line: line)
        }
    }

    func testTSVWithTimestampsAndDeduplication() throws {
        let path = file("a.tsv", "user\titem\trating\ttimestamp\nu1\ti1\t4\t100\nu1\ti2\t2\t50\nu2\ti1\t5\t10\r\n\nu1\ti1\t1\t200\n")
        let log = try InteractionLog.read(path: path)
        XCTAssertEqual(log.users.ids, ["u1", "u2"])
        XCTAssertEqual(log.items.ids, ["i1", "i2"])
        XCTAssertTrue(log.hasTimestamps)
        let h = log.history(of: 0)
        XCTAssertEqual(h.items, [0, 1])
        XCTAssertEqual(h.ratings, [1, 2], "a repeated pair keeps its last rating")
        XCTAssertEqual(h.timestamps, [200, 50])
        XCTAssertEqual(log.history(of: 1).ratings, [5])
    }

    func testCSVWithQuotesAndImplicitFeedback() throws {
        let path = file("b.csv", "user_id,item_id\n\"u,1\",i1\nu2,\"i \"\"2\"\"\"\n")
        let log = try InteractionLog.read(path: path)
        XCTAssertEqual(log.users.ids, ["u,1", "u2"])
        XCTAssertEqual(log.items.ids.count, 2)
        XCTAssertEqual(log.ratings, [1, 1])
        XCTAssertFalse(log.hasTimestamps)
        XCTAssertEqual(RatingScale.inferred(from: log.ratings), .implicitFeedback)
        XCTAssertTrue(RatingScale.implicitFeedback.isFinite, "stored in the model file's JSON")
        XCTAssertTrue(RatingScale.implicitFeedback.isLiked(0.5) && RatingScale.implicitFeedback.isLiked(7))
    }

    func testRecBoleAtomicFiles() throws {
        let inter = file("x.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
        let items = file(
            "x.item",
            "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n242\tKolya\t1996\tComedy\n302\tL.A. Confidential\tunknown\tCrime Film-Noir Mystery Thriller\n"
        )
        let users = file(
            "x.user",
            "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n196\t49\tM\twriter\t55105\n186\t39\tF\texecutive\t00000\n")
        let d = try Dataset.load(interactions: inter, items: items, users: users)
        XCTAssertEqual(d.log.users.count, 2)
        let i302 = d.log.items.index(of: "302")!
        XCTAssertEqual(d.itemFeatures.genres[i302].map { d.itemFeatures.genreVocabulary[$0] }, ["Crime", "Film-Noir", "Mystery", "Thriller"])
        XCTAssertTrue(d.itemFeatures.years[i302].isNaN, "a non-numeric year is unknown")
        XCTAssertEqual(d.itemFeatures.titles[d.log.items.index(of: "242")!], "Kolya")
        XCTAssertEqual(d.attributes.columnNames, ["age", "gender", "occupation", "zip_code"])
        XCTAssertEqual(d.attributes.vocabularies[0].ids, ["?", "45-49", "35-44"], "ages are bucketed")
        XCTAssertEqual(d.userAttributeValues[0], [1, 1, 1, 1])
    }

    func testHighCardinalityAttributeColumnsAreDropped() throws {
        var text = "user\tzip\tgender\n"
        for u in 0..<150 { text += "u\(u)\tz\(u)\t\(u % 2 == 0 ? "F" : "M")\n" }
        let table = try UserAttributeTable.read(path: file("u.tsv", text))
        XCTAssertEqual(table.columnNames, ["gender"])
        let explicit = try UserAttributeTable.read(path: file("u.tsv", text), columns: ["zip"])
        XCTAssertEqual(explicit.columnNames, ["zip"])
    }

    func testCatalogueItemsWithoutInteractionsJoinTheItemMap() throws {
        let inter = file("c.tsv", "user\titem\trating\nu1\ti1\t5\n")
        let items = file("c-items.tsv", "item\tgenres\tyear\ni1\tA|B\t1999\ni9\tB\t\n")
        let d = try Dataset.load(interactions: inter, items: items)
        XCTAssertEqual(d.log.items.ids, ["i1", "i9"])
        XCTAssertEqual(d.itemFeatures.genres[1], [1])
        XCTAssertTrue(d.itemFeatures.years[1].isNaN)
    }

    func testEveryParseErrorNamesFileLineAndProblem() {
        assertDataError(try InteractionLog.read(path: dir + "/missing.tsv"), line: 0, contains: "cannot read")
        assertDataError(try InteractionLog.read(path: file("e0.tsv", "")), line: 1, contains: "empty")
        assertDataError(try InteractionLog.read(path: file("e1.tsv", "who\twhat\nu\ti\n")), line: 1, contains: "no user column")
        assertDataError(try InteractionLog.read(path: file("e2.tsv", "user\tthing\nu\ti\n")), line: 1, contains: "no item column")
        assertDataError(
            try InteractionLog.read(path: file("e3.tsv", "user\titem\trating\nu\ti\t4\nu\ti\n")), line: 3, contains: "expected 3 fields, found 2")
        assertDataError(try InteractionLog.read(path: file("e4.tsv", "user\titem\trating\nu\ti\tfive\n")), line: 2, contains: "finite number")
        assertDataError(try InteractionLog.read(path: file("e5.tsv", "user\titem\trating\nu\ti\tnan\n")), line: 2, contains: "finite number")
        assertDataError(try InteractionLog.read(path: file("e6.tsv", "user\titem\trating\nu\ti\tinf\n")), line: 2, contains: "finite number")
        assertDataError(try InteractionLog.read(path: file("e7.tsv", "user\titem\trating\n\ti\t4\n")), line: 2, contains: "'user' is empty")
        assertDataError(try InteractionLog.read(path: file("e8.tsv", "user\titem\trating\nu\ti\t1e300\n")), line: 2, contains: "out of range")
        assertDataError(try InteractionLog.read(path: file("e9.tsv", "user\titem\trating\nu\ti\t4\tx\n")), line: 2, contains: "expected 3 fields")
        assertDataError(try InteractionLog.read(path: file("e10.tsv", "user\titem\ttimestamp\nu\ti\tyesterday\n")), line: 2, contains: "timestamp")
        let invalid = dir + "/e11.tsv"
        FileManager.default.createFile(atPath: invalid, contents: Data("user\titem\n".utf8) + Data([0x75, 0xFF, 0x09, 0x69, 0x0A]))
        assertDataError(try InteractionLog.read(path: invalid), line: 2, contains: "UTF-8")
        assertDataError(try Dataset.load(interactions: file("e12.tsv", "user\titem\trating\n")), line: 0, contains: "no interactions")
        assertDataError(try ItemFeatureTable.read(path: file("e13.tsv", "item\tgenres\ni1\tA\ni1\tB\n")), line: 3, contains: "listed twice")
        assertDataError(try ItemFeatureTable.read(path: file("e14.tsv", "title\nx\n")), line: 1, contains: "no item column")
        assertDataError(try UserAttributeTable.read(path: file("e15.tsv", "user\tage\nu1\t20\nu1\t30\n")), line: 3, contains: "listed twice")
        assertDataError(
            try UserAttributeTable.read(path: file("e16.tsv", "user\tage\nu1\t20\n"), columns: ["height"]), line: 1, contains: "no column 'height'")
    }

    func testRatingScale() {
        let s = RatingScale.inferred(from: [1, 2, 3, 4, 5])
        XCTAssertEqual(s, RatingScale(neutral: 3, halfRange: 2, likeThreshold: 4))
        XCTAssertEqual(s.normalized(5), 1)
        XCTAssertEqual(s.normalized(3), 0)
        XCTAssertEqual(s.normalized(1), -1)
        XCTAssertEqual(s.normalized(9), 1, "clipped")
        XCTAssertTrue(s.isLiked(4))
        XCTAssertFalse(s.isLiked(3.5))
    }

    func testReadingALargeLogReportsProgress() throws {
        var text = "user\titem\trating\n"
        for n in 0..<200_000 { text += "u\(n % 997)\ti\(n % 89)\t\(1 + n % 5)\n" }
        let path = file("large.tsv", text)
        var reports: [(Int, Double)] = []
        let log = try InteractionLog.read(path: path) { reports.append(($0, $1)) }
        XCTAssertEqual(log.users.count, 997)
        XCTAssertEqual(reports.map(\.0), [65_536, 131_072, 196_608], "every 65,536 lines")
        XCTAssertTrue(
            zip(reports, reports.dropFirst()).allSatisfy { $0.1 < $1.1 } && reports.allSatisfy { $0.1 > 0 && $0.1 < 1 },
            "the fraction read grows within (0, 1): \(reports.map(\.1))")
    }
}
