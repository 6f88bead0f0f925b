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

    public static func read(
        path: String, columns requested: [String]? = nil, options: ReadOptions = ReadOptions(),
        skipped: ((SkippedRows) -> Void)? = nil
    ) throws(DataError) -> UserAttributeTable {
        let table = try DelimitedTable(path: path, options: options)
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
        let report = try table.forEachRow { (line, fields) throws(DataError) in
            let id = try table.identifier(fields[idColumn], line: line, column: idColumn)
            var row: [String] = []
            for c in candidates { row.append(try table.text(fields[c], line: line, column: c)) }
            guard out.rowIndex[id] == nil else {
                throw DataError(file: path, line: line, message: "user '\(id)' is listed twice")
            }
            out.rowIndex[id] = out.ids.count
            out.ids.append(id)
            raw.append(row)
        }
        if report.count > 0 { skipped?(report) }
        let normalized = raw.map { row in
            candidates.indices.map { k in normalizedValue(column: table.columns[candidates[k]].name, raw: row[k]) }
        }
        // Distinct values are counted after normalisation (a location counts its countries).
        let kept = candidates.indices.filter { k in
            requested != nil || Set(normalized.map { $0[k] }).count <= maxDistinctValues
        }
        out.columnNames = kept.map { table.columns[candidates[$0]].name }
        out.values = normalized.map { row in kept.map { row[$0] } }
        return out
    }

    /// The documented value rules, shared by files and network requests: a numeric `age` is bucketed.
    /// Also: `NULL` and `\N` are missing; a `location` ("city, region, country") keeps its last part.
    public static func normalizedValue(column: String, raw: String) -> String {
        if raw == "NULL" || raw == "\\N" { return "" }
        switch column.lowercased() {
        case "age": return ageBucket(raw)
        case "location":
            let last = raw.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return last.count < 2 ? "" : last
        default: return raw
        }
    }

    /// Age buckets; an age outside 5–110 (data-entry noise such as 0 or 244) is missing.
    public static func ageBucket(_ text: String) -> String {
        guard let age = Double(text) else { return text }
        guard (5...110).contains(age) else { return "" }
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
