/// The optional items file: item ID, multi-valued genres/categories, year and title.
/// Accepts `item	genres	year	title` (genres `|`-separated) and RecBole's
/// `item_id:token	movie_title:token_seq	release_year:token	class:token_seq`.
/// A year that is not a number (e.g. "unknown") counts as missing.
public struct ItemFeatureTable: Sendable {
    public var ids: [String] = []
    public var titles: [String] = []
    public var genres: [[String]] = []
    public var years: [Float?] = []

    public init() {}

    public static func read(
        path: String, options: ReadOptions = ReadOptions(),
        skipped: ((SkippedRows) -> Void)? = nil
    ) throws(DataError) -> ItemFeatureTable {
        let table = try DelimitedTable(path: path, options: options)
        let idColumn = try table.requireColumn(["item", "item_id", "itemid", "movie_id", "isbn"], role: "item")
        let genreColumn = table.column(["genres", "genre", "class", "categories", "category"])
        let yearColumn = table.column(["year", "release_year", "year_of_publication"])
        let titleColumn = table.column(["title", "movie_title", "name", "book_title"])
        var out = ItemFeatureTable()
        var seen = Set<String>()
        let report = try table.forEachRow { (line, fields) throws(DataError) in
            // Every field is parsed before anything is kept, so a skipped row leaves no trace.
            let id = try table.identifier(fields[idColumn], line: line, column: idColumn)
            let genres = try genreColumn.map { (c) throws(DataError) in try table.values(fields[c], line: line, column: c) } ?? []
            var year: Float? = nil
            if let c = yearColumn {
                let text = try table.text(fields[c], line: line, column: c)
                // Real catalogues mark unknown years with words ("unknown") or 0; those are treated as missing.
                if let y = Float(text), y.isFinite, y != 0 { year = y }
            }
            let title = try titleColumn.map { (c) throws(DataError) in try table.text(fields[c], line: line, column: c) } ?? ""
            guard seen.insert(id).inserted else {
                throw DataError(file: path, line: line, message: "item '\(id)' is listed twice")
            }
            out.ids.append(id)
            out.genres.append(genres)
            out.years.append(year)
            out.titles.append(title)
        }
        if report.count > 0 { skipped?(report) }
        return out
    }
}
