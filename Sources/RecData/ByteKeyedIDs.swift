/// An `IDMap` being filled from a file's bytes: a field is looked up by its bytes, and a `String`
/// is made (and validated) only for an ID not seen before. Consecutive rows of one user (the
/// usual layout of interaction logs) hit a one-entry cache without hashing.
struct ByteKeyedIDs {
    private(set) var map = IDMap()
    private var index: [ArraySlice<UInt8>: Int] = [:]
    private var last: ArraySlice<UInt8> = []
    private var lastIndex = -1

    mutating func index(of field: ArraySlice<UInt8>, table: DelimitedTable, line: Int, column: Int) throws(DataError) -> Int {
        let key = DelimitedTable.trimmed(field)
        if lastIndex >= 0 && key.elementsEqual(last) { return lastIndex }
        let found: Int
        if let known = index[key] {
            found = known
        } else {
            let id = try table.identifier(key, line: line, column: column)
            found = map.insert(id)
            // The key owns a copy: a slice of the file's bytes would keep the whole file alive.
            index[ArraySlice(Array(key))] = found
        }
        last = key
        lastIndex = found
        return found
    }
}
