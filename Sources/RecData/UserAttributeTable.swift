/// The optional users file: user ID plus categorical columns (age, gender, occupation, region…).
/// Documented rules: a numeric `age` column is bucketed (under 18, 18–24, 25–34, 35–44, 45–49,
/// 50–55, 56+); columns with more than `maxDistinctValues` distinct values (e.g. zip codes, which
/// identify users rather than describe them) are dropped unless named in `columns`.
public struct UserAttributeTable: Sendable {
    public var columnNames: [String] = []
    public var ids: [String] = []
    /// values[row][column]; "" means missing.
    public var values: [[String]] = []

    public init() {}

    public static let maxDistinctValues = 100

    public func row(of id: String) -> [String]? {
        rowIndex[id].map { values[$0] }
    }

    private var rowIndex: [String: Int] = [:]

    public static func read(path: String, columns requested: [String]? = nil) throws(DataError) -> UserAttributeTable {
        let table = try DelimitedTable(path: path)
        let idColumn = try table.requireColumn(["user", "user_id", "userid"], role: "user")
        var candidates = table.columns.indices.filter { $0 != idColumn }
        if let requested {
            var picked: [Int] = []
            for name in requested {
                guard let c = table.column([name.lowercased()]) else {
                    throw DataError(file: path, line: 1, message: "the header has no column '\(name)'")
                }
                picked.append(c)
            }
            candidates = picked
        }
        var out = UserAttributeTable()
        var raw: [[String]] = []
        try table.forEachRow { (line, fields) throws(DataError) in
            let id = try table.identifier(fields[idColumn], line: line, column: idColumn)
            guard out.rowIndex[id] == nil else {
                throw DataError(file: path, line: line, message: "user '\(id)' is listed twice")
            }
            out.rowIndex[id] = out.ids.count
            out.ids.append(id)
            var row: [String] = []
            for c in candidates { row.append(try table.text(fields[c], line: line, column: c)) }
            raw.append(row)
        }
        var kept: [Int] = []
        for (k, c) in candidates.enumerated() {
            let distinct = Set(raw.map { $0[k] }).count
            if requested != nil || distinct <= maxDistinctValues { kept.append(k) }
            _ = c
        }
        out.columnNames = kept.map { table.columns[candidates[$0]].name }
        out.values = raw.map { row in
            kept.map { k in normalizedValue(column: table.columns[candidates[k]].name, raw: row[k]) }
        }
        return out
    }

    /// The documented value rules, shared by files and network requests: a numeric `age` is bucketed.
    public static func normalizedValue(column: String, raw: String) -> String {
        column.lowercased() == "age" ? ageBucket(raw) : raw
    }

    public static func ageBucket(_ text: String) -> String {
        guard let age = Double(text) else { return text }
        switch age {
        case ..<18: return "<18"
        case ..<25: return "18-24"
        case ..<35: return "25-34"
        case ..<45: return "35-44"
        case ..<50: return "45-49"
        case ..<56: return "50-55"
        default: return "56+"
        }
    }
}
