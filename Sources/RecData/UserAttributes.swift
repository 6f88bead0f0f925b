/// Categorical user attributes encoded against per-column vocabularies.
/// Index 0 of every vocabulary is reserved for "unknown or missing".
public struct UserAttributes: Equatable, Sendable {
    public static let unknown = "?"
    public var columnNames: [String]
    public var vocabularies: [IDMap]

    public init(columnNames: [String], vocabularies: [IDMap]) {
        self.columnNames = columnNames
        self.vocabularies = vocabularies
    }

    public static let none = UserAttributes(columnNames: [], vocabularies: [])

    /// Builds vocabularies from a table (in first-seen order after the reserved unknown value).
    public init(table: UserAttributeTable) {
        columnNames = table.columnNames
        vocabularies = table.columnNames.indices.map { c in
            var map = IDMap(ids: [UserAttributes.unknown])
            for row in table.values where !row[c].isEmpty { map.insert(row[c]) }
            return map
        }
    }

    /// Encodes raw values (in `columnNames` order); unknown or missing values map to 0.
    public func encode(_ raw: [String]?) -> [Int] {
        guard let raw else { return Array(repeating: 0, count: columnNames.count) }
        return columnNames.indices.map { c in
            c < raw.count ? (vocabularies[c].index(of: raw[c]) ?? 0) : 0
        }
    }

    public var isEmpty: Bool { columnNames.isEmpty }
}
