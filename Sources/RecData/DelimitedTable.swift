import Foundation

/// A header-led CSV or TSV table (also RecBole atomic files, whose headers carry `:type` suffixes).
/// Fields are split on tabs when the header line contains a tab, else on semicolons when it has
/// one (Book-Crossing), otherwise on commas; double-quoted fields are allowed with `,` and `;`.
public struct DelimitedTable: Sendable {
    public struct Column: Equatable, Sendable {
        /// Lower-cased name without the RecBole type suffix (`user_id:token` → `user_id`), with `-`
        /// and spaces as `_` (`User-ID` → `user_id`).
        public var name: String
        /// The RecBole type (`token`, `token_seq`, `float`, …) or nil for a plain header.
        public var type: String?
        public var isSequence: Bool { type == "token_seq" || type == "float_seq" }
    }

    public let path: String
    public let columns: [Column]
    public let separator: UInt8
    public let options: ReadOptions
    private let bytes: [UInt8]
    private let bodyStart: Int

    public init(path: String, options: ReadOptions = ReadOptions()) throws(DataError) {
        guard let bytes = Self.readWhole(path) else {
            throw DataError(file: path, line: 0, message: "cannot read the file (missing or unreadable)")
        }
        try self.init(path: path, bytes: bytes, options: options)
    }

    /// The file's bytes, read straight into one array (no intermediate `Data` copy).
    static func readWhole(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        guard fseeko(file, 0, SEEK_END) == 0 else { return nil }
        let size = Int(ftello(file))
        guard size >= 0, fseeko(file, 0, SEEK_SET) == 0 else { return nil }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = size == 0 ? 0 : fread(buffer.baseAddress, 1, size, file)
            failed = count != size
        }
        return failed ? nil : bytes
    }

    public init(path: String, bytes: [UInt8], options: ReadOptions = ReadOptions()) throws(DataError) {
        self.path = path
        self.options = options
        self.bytes = bytes
        var end = 0
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var headerBytes = Array(bytes[0..<end])
        if headerBytes.first == 0xEF, headerBytes.count >= 3 { headerBytes.removeFirst(3) }  // UTF-8 BOM
        if headerBytes.last == UInt8(ascii: "\r") { headerBytes.removeLast() }
        guard !headerBytes.isEmpty else {
            throw DataError(file: path, line: 1, message: "the file is empty or has no header line")
        }
        separator =
            headerBytes.contains(UInt8(ascii: "\t"))
            ? UInt8(ascii: "\t")
            : headerBytes.contains(UInt8(ascii: ";")) ? UInt8(ascii: ";") : UInt8(ascii: ",")
        bodyStart = min(bytes.count, end + 1)
        let names = DelimitedTable.split(headerBytes[...], separator: separator)
        columns = names.map { raw in
            let text = String(decoding: Self.trimmed(raw), as: UTF8.self)
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            // "User-ID", "Book Rating" → "user_id", "book_rating": one spelling for the aliases.
            let name = (parts.first ?? "").lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: " ", with: "_")
            return Column(name: name, type: parts.count > 1 ? parts[1].lowercased() : nil)
        }
    }

    /// Index of the first column whose name is one of `aliases`.
    public func column(_ aliases: [String]) -> Int? {
        columns.firstIndex { aliases.contains($0.name) }
    }

    public func requireColumn(_ aliases: [String], role: String) throws(DataError) -> Int {
        guard let index = column(aliases) else {
            let found = columns.map(\.name).joined(separator: ", ")
            throw DataError(
                file: path, line: 1, message: "the header has no \(role) column (expected one of \(aliases.joined(separator: ", ")); found \(found))")
        }
        return index
    }

    /// Calls `body` with the 1-based line number and the fields of every non-blank data line.
    /// A line with a different number of fields than the header, or one `body` rejects, is an error —
    /// or, with `MalformedRows.skip`, is skipped and counted in the returned report.
    /// `progress`, when given, is called every 65,536 lines with the line number and the fraction of
    /// the file's bytes read.
    @discardableResult
    public func forEachRow(
        progress: ((Int, Double) -> Void)? = nil,
        _ body: (Int, [ArraySlice<UInt8>]) throws(DataError) -> Void
    ) throws(DataError) -> SkippedRows {
        var skipped = SkippedRows(file: path)
        var start = bodyStart
        var line = 1
        var fields: [ArraySlice<UInt8>] = []
        while start < bytes.count {
            line += 1
            if let progress, line & 0xFFFF == 0 { progress(line, Double(start) / Double(bytes.count)) }
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            defer { start = end + 1 }
            if lineEnd == start { continue }
            DelimitedTable.split(bytes[start..<lineEnd], separator: separator, into: &fields)
            do throws(DataError) {
                guard fields.count == columns.count else {
                    throw DataError(
                        file: path, line: line,
                        message: "expected \(columns.count) fields, found \(fields.count)")
                }
                try body(line, fields)
            } catch {
                guard options.malformedRows == .skip else { throw error }
                skipped.record(error)
            }
        }
        return skipped
    }

    /// A field as a string, without surrounding blanks; invalid UTF-8 is an error naming the line.
    public func text(_ field: ArraySlice<UInt8>, line: Int, column: Int) throws(DataError) -> String {
        let bytes = Self.trimmed(field)
        if options.encoding == .latin1 {
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw DataError(
                file: path, line: line,
                message: "column '\(columns[column].name)' is not valid UTF-8 (a Latin-1 file needs --encoding latin1)")
        }
        return s
    }

    /// The field without leading and trailing spaces and tabs (bytes, no copy).
    @inline(__always)
    static func trimmed(_ field: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = field.startIndex, hi = field.endIndex
        while lo < hi && (field[lo] == 0x20 || field[lo] == 0x09) { lo += 1 }
        while hi > lo && (field[hi - 1] == 0x20 || field[hi - 1] == 0x09) { hi -= 1 }
        return field[lo..<hi]
    }

    /// A non-empty identifier.
    public func identifier(_ field: ArraySlice<UInt8>, line: Int, column: Int) throws(DataError) -> String {
        let s = try text(field, line: line, column: column)
        guard !s.isEmpty else {
            throw DataError(file: path, line: line, message: "column '\(columns[column].name)' is empty")
        }
        return s
    }

    /// A finite number. Plain decimals (`5`, `-3.25`, `978300760`) are parsed from the bytes;
    /// anything else (exponents, `inf`, junk) goes through the standard parser and its checks.
    public func number(_ field: ArraySlice<UInt8>, line: Int, column: Int) throws(DataError) -> Double {
        let bytes = Self.trimmed(field)
        if let v = Self.plainDecimal(bytes) { return v }
        let s = try text(bytes, line: line, column: column)
        guard let v = Double(s), v.isFinite else {
            throw DataError(
                file: path, line: line,
                message: "column '\(columns[column].name)' must be a finite number, found '\(s.prefix(40))'")
        }
        return v
    }

    /// `[-]digits[.digits]` with at most 15 significant digits (exact in a Double), else nil.
    static func plainDecimal(_ bytes: ArraySlice<UInt8>) -> Double? {
        var i = bytes.startIndex
        let end = bytes.endIndex
        var negative = false
        if i < end && bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var mantissa: Int64 = 0, digits = 0, fraction = 0
        var seenPoint = false
        guard i < end else { return nil }
        while i < end {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                mantissa = mantissa * 10 + Int64(b - 0x30)
                digits += 1
                if seenPoint { fraction += 1 }
                if digits > 15 { return nil }
            } else if b == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        var value = Double(mantissa)
        if fraction > 0 { value /= Self.powersOfTen[fraction] }
        return negative ? -value : value
    }

    private static let powersOfTen: [Double] = (0...15).map { Foundation.pow(10, Double($0)) }

    /// The values of a multi-valued field: `|`-separated, or space-separated in a RecBole file
    /// (`token_seq`, and `token` columns without a `|` such as ML-1M's `genre:token`).
    public func values(_ field: ArraySlice<UInt8>, line: Int, column: Int) throws(DataError) -> [String] {
        let s = try text(field, line: line, column: column)
        let spaced = columns[column].isSequence || (columns[column].type != nil && !s.contains("|"))
        let parts: [Substring] = spaced ? s.split(separator: " ") : s.split(separator: "|")
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func split(_ line: ArraySlice<UInt8>, separator: UInt8) -> [ArraySlice<UInt8>] {
        var fields: [ArraySlice<UInt8>] = []
        split(line, separator: separator, into: &fields)
        return fields
    }

    /// Splits into `fields` (cleared first; its storage is reused line after line).
    static func split(_ line: ArraySlice<UInt8>, separator: UInt8, into fields: inout [ArraySlice<UInt8>]) {
        fields.removeAll(keepingCapacity: true)
        var i = line.startIndex
        var fieldStart = i
        let quote = UInt8(ascii: "\"")
        let quoting = separator != UInt8(ascii: "\t")
        while i < line.endIndex {
            let b = line[i]
            if quoting && b == quote && i == fieldStart {
                // A quoted CSV field: up to the closing quote ("" is an escaped quote; kept verbatim).
                var j = i + 1
                while j < line.endIndex {
                    if line[j] == quote {
                        if j + 1 < line.endIndex && line[j + 1] == quote { j += 2; continue }
                        break
                    }
                    j += 1
                }
                fields.append(line[(i + 1)..<min(j, line.endIndex)])
                i = min(j + 1, line.endIndex)
                // Skip to the separator.
                while i < line.endIndex && line[i] != separator { i += 1 }
                i += 1
                fieldStart = i
                if i > line.endIndex { return }
                if i == line.endIndex { fields.append(line[i..<i]); return }
                continue
            }
            if b == separator {
                fields.append(line[fieldStart..<i])
                fieldStart = i + 1
            }
            i += 1
        }
        fields.append(line[fieldStart..<line.endIndex])
    }
}
