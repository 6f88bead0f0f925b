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

    public static func read(path: String) throws(DataError) -> ItemFeatureTable {
        let table = try DelimitedTable(path: path)
        let idColumn = try table.requireColumn(["item", "item_id", "itemid", "movie_id"], role: "item")
        let genreColumn = table.column(["genres", "genre", "class", "categories", "category"])
        let yearColumn = table.column(["year", "release_year"])
        let titleColumn = table.column(["title", "movie_title", "name"])
        var out = ItemFeatureTable()
        var seen = Set<String>()
        try table.forEachRow { (line, fields) throws(DataError) in
            let id = try table.identifier(fields[idColumn], line: line, column: idColumn)
            guard seen.insert(id).inserted else {
                throw DataError(file: path, line: line, message: "item '\(id)' is listed twice")
            }
            out.ids.append(id)
            out.genres.append(try genreColumn.map { (c) throws(DataError) in try table.values(fields[c], line: line, column: c) } ?? [])
            var year: Float? = nil
            if let c = yearColumn {
                let text = try table.text(fields[c], line: line, column: c)
                // Real catalogues mark unknown years with words ("unknown"); those are treated as missing.
                if let y = Float(text), y.isFinite { year = y }
            }
            out.years.append(year)
            var title = ""
            if let c = titleColumn {
                title = try table.text(fields[c], line: line, column: c)
            }
            out.titles.append(title)
        }
        return out
    }
}
