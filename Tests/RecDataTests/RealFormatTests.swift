import Foundation
import RecTestSupport
import XCTest

@testable import RecData

/// Small fixtures in the exact shapes of the real data sets the scale work uses: MovieLens-1M as
/// RecBole atomic files (typed header, CRLF, string IDs, `genre:token` with spaces) and
/// Book-Crossing (`;`, quotes, Latin-1, CRLF, implicit 0 next to explicit 1–10, malformed rows).
final class RealFormatTests: XCTestCase {
    let dir = TestFixtures.temporaryDirectory("formats")

    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = dir + "/" + name
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    func file(_ name: String, _ text: String) -> String { file(name, Array(text.utf8)) }

    func testMovieLens1MAtomicFiles() throws {
        let inter = file(
            "ml-1m.inter",
            "user_id:token\titem_id:token\trating:float\ttimestamp:float\r\n"
                + "1m_1\tOne Flew Over the Cuckoo's Nest (1975)\t5\t978300760\r\n"
                + "1m_1\tToy Story (1995)\t3\t978302109\r\n"
                + "1m_2\tToy Story (1995)\t4.5\t978298413\r\n")
        let items = file(
            "ml-1m.item",
            "item_id:token\tmovie_title:token\trelease_year:float\tgenre:token\r\n"
                + "Toy Story (1995)\tToy Story\t1995\tAnimation Children's Comedy\r\n"
                + "One Flew Over the Cuckoo's Nest (1975)\tOne Flew Over the Cuckoo's Nest\t1975\tDrama\r\n")
        let users = file(
            "ml-1m.user",
            "user_id:token\tage:float\tgender:token\toccupation:float\tzip_code:token\r\n"
                + "1m_1\t1\tF\t10\t48067\r\n1m_2\t56\tM\t16\t70072\r\n")
        let dataset = try Dataset.load(interactions: inter, items: items, users: users)
        XCTAssertEqual(dataset.log.users.ids, ["1m_1", "1m_2"])
        XCTAssertEqual(dataset.log.items.ids, ["One Flew Over the Cuckoo's Nest (1975)", "Toy Story (1995)"])
        XCTAssertEqual(dataset.log.history(of: 0).timestamps, [978300760, 978302109])
        XCTAssertEqual(dataset.log.history(of: 1).ratings, [4.5])
        let toyStory = dataset.log.items.index(of: "Toy Story (1995)")!
        XCTAssertEqual(
            dataset.itemFeatures.genres[toyStory].map { dataset.itemFeatures.genreVocabulary[$0] },
            ["Animation", "Children's", "Comedy"])
        XCTAssertEqual(dataset.attributes.columnNames, ["age", "gender", "occupation", "zip_code"])
    }

    /// Book-Crossing's shape, with one Latin-1 title, an implicit 0, and rows that do not parse.
    func bookCrossing() -> (ratings: String, books: String, users: String) {
        let ratings = file(
            "BX-Book-Ratings.csv",
            "\"User-ID\";\"ISBN\";\"Book-Rating\"\r\n"
                + "\"276725\";\"034545104X\";\"0\"\r\n"
                + "\"276726\";\"0155061224\";\"5\"\r\n"
                + "\"276726\";\"034545104X\";\"9\"\r\n"
                + "\"276727\";\"0446520802\";\"ten\"\r\n"  // not a number
                + "\"276727\";\"0446520802\"\r\n"  // a field missing
                + "\"276729\";\"052165615X\";\"3\"\r\n")
        var books = Array("\"ISBN\";\"Book-Title\";\"Book-Author\";\"Year-Of-Publication\";\"Publisher\"\r\n".utf8)
        books += Array("\"034545104X\";\"Flesh Tones: A Novel\";\"M. J. Rose\";\"2002\";\"Ballantine Books\"\r\n".utf8)
        books += Array("\"0155061224\";\"Rites of Passage\";\"Judith Rae\";\"0\";\"Heinle\"\r\n".utf8)
        books += Array("\"0446520802\";\"La Ni".utf8) + [0xF1] + Array("a\";\"Nicholas Sparks\";\"1996\";\"Warner\"\r\n".utf8)
        let users = file(
            "BX-Users.csv",
            "\"User-ID\";\"Location\";\"Age\"\r\n"
                + "\"276725\";\"tyler, texas, usa\";NULL\r\n"
                + "\"276726\";\"seattle, washington, usa\";\"24\"\r\n"
                + "\"276729\";\"rijeka, n/a, croatia\";\"244\"\r\n")
        return (ratings, file("BX-Books.csv", books), users)
    }

    func testBookCrossingFailsOnTheFirstMalformedRowByDefault() {
        let bx = bookCrossing()
        XCTAssertThrowsError(try Dataset.load(interactions: bx.ratings)) { error in
            let e = error as? DataError
            XCTAssertEqual(e?.line, 5)
            XCTAssertTrue(e?.message.contains("finite number") ?? false, "\(error)")
        }
    }

    func testBookCrossingSkipsAndCountsMalformedRows() throws {
        let bx = bookCrossing()
        let options = ReadOptions(encoding: .latin1, malformedRows: .skip)
        let dataset = try Dataset.load(
            interactions: bx.ratings, items: bx.books, users: bx.users, options: options,
            scaleRule: Dataset.ScaleRule(unrated: 0, likeThreshold: 7))
        XCTAssertEqual(dataset.skippedRows.map(\.count), [2])
        XCTAssertEqual(dataset.skippedRows.first?.examples.map(\.line), [5, 6])
        XCTAssertEqual(dataset.log.interactionCount, 4)
        // A rejected row adds no user or item: 276727 only appears in rejected rows.
        XCTAssertNil(dataset.log.users.index(of: "276727"))
        XCTAssertEqual(dataset.log.users.ids, ["276725", "276726", "276729"])
        // The catalogue adds the books file's items; the Latin-1 title decodes.
        let nina = dataset.log.items.index(of: "0446520802")!
        XCTAssertEqual(dataset.itemFeatures.titles[nina], "La Niña")
        // Year 0 is missing, not the year zero.
        XCTAssertTrue(dataset.itemFeatures.years[dataset.log.items.index(of: "0155061224")!].isNaN)
        // The scale leaves out the unrated 0: explicit 3…9 here, liked ≥ 7, and 0 is an implicit like.
        let scale = dataset.ratingScale
        XCTAssertEqual(scale.unrated, 0)
        XCTAssertEqual(scale.likeThreshold, 7)
        XCTAssertEqual(scale.neutral, 6)
        XCTAssertTrue(scale.isLiked(0))
        XCTAssertEqual(scale.normalized(0), 1)
        XCTAssertFalse(scale.isLiked(5))
        XCTAssertTrue(scale.isLiked(9))
        // Locations keep their country; NULL and implausible ages are missing.
        XCTAssertEqual(dataset.attributes.columnNames, ["location", "age"])
        let table = try UserAttributeTable.read(path: bx.users, options: options)
        XCTAssertEqual(table.row(of: "276725"), ["usa", ""])
        XCTAssertEqual(table.row(of: "276726"), ["usa", "18-24"])
        XCTAssertEqual(table.row(of: "276729"), ["croatia", ""])
    }

    func testLatin1BytesInAUTF8ReadNameTheEncodingFlag() {
        let bx = bookCrossing()
        XCTAssertThrowsError(try ItemFeatureTable.read(path: bx.books)) { error in
            XCTAssertEqual((error as? DataError)?.line, 4)
            XCTAssertTrue("\(error)".contains("latin1"), "\(error)")
        }
    }

    func testPlainDecimalsParseExactlyAndOthersFallBack() {
        for text in ["5", "-3.25", "978300760", "0.1", "4.5", "007", "123456789012345"] {
            XCTAssertEqual(DelimitedTable.plainDecimal(Array(text.utf8)[...]), Double(text), text)
        }
        for text in ["", "-", ".", "1e5", "inf", "nan", "1.2.3", "1234567890123456", "+5", "5 "] {
            XCTAssertNil(DelimitedTable.plainDecimal(Array(text.utf8)[...]), text)
        }
    }
}
