/// How data files are read: their text encoding and what a malformed row does.
public struct ReadOptions: Equatable, Sendable {
    public enum Encoding: String, CaseIterable, Sendable {
        case utf8
        /// ISO-8859-1: every byte is one character (Book-Crossing's files).
        case latin1
    }

    public enum MalformedRows: String, CaseIterable, Sendable {
        /// The first malformed row stops the read with an error naming its line.
        case fail
        /// Malformed rows are skipped and counted; the count and the first few are reported.
        case skip
    }

    public var encoding: Encoding
    public var malformedRows: MalformedRows

    public init(encoding: Encoding = .utf8, malformedRows: MalformedRows = .fail) {
        self.encoding = encoding
        self.malformedRows = malformedRows
    }
}

/// The rows a read skipped (with `MalformedRows.skip`): how many, and the first few reasons.
public struct SkippedRows: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var count = 0
    public var examples: [DataError] = []

    public init(file: String) { self.file = file }

    mutating func record(_ error: DataError) {
        count += 1
        if examples.count < 3 { examples.append(error) }
    }

    public var description: String {
        "\(file): skipped \(count) malformed row\(count == 1 ? "" : "s")"
            + (examples.isEmpty ? "" : " (first: " + examples.map { "line \($0.line): \($0.message)" }.joined(separator: "; ") + ")")
    }
}
