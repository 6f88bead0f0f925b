/// Item features aligned with an item ID map: genre indices per item, raw year (NaN when unknown), title.
public struct ItemFeatures: Equatable, Sendable {
    public var genreVocabulary: IDMap
    public var genres: [[Int]]
    public var years: [Float]
    public var titles: [String]

    public init(genreVocabulary: IDMap = IDMap(), genres: [[Int]], years: [Float], titles: [String]) {
        self.genreVocabulary = genreVocabulary
        self.genres = genres
        self.years = years
        self.titles = titles
    }

    public static func empty(itemCount: Int) -> ItemFeatures {
        ItemFeatures(
            genres: Array(repeating: [], count: itemCount),
            years: Array(repeating: .nan, count: itemCount),
            titles: Array(repeating: "", count: itemCount))
    }

    /// Aligns a features table with `items`; items the table does not list get no features.
    public init(table: ItemFeatureTable, items: IDMap) {
        var vocab = IDMap()
        var genres = [[Int]](repeating: [], count: items.count)
        var years = [Float](repeating: .nan, count: items.count)
        var titles = [String](repeating: "", count: items.count)
        for (row, id) in table.ids.enumerated() {
            guard let i = items.index(of: id) else { continue }
            genres[i] = table.genres[row].map { vocab.insert($0) }
            years[i] = table.years[row] ?? .nan
            titles[i] = table.titles[row]
        }
        self.init(genreVocabulary: vocab, genres: genres, years: years, titles: titles)
    }
}
