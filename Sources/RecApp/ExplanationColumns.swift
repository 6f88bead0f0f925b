/// The two TSV columns `recommend --explain` and `query --explain` add: the voting clusters with
/// their shares of the item's vote ("c12:0.61|c3:0.39") and the history items most like it
/// ("i5:0.93|i8:0.71"). Both commands print them from the same values, so their output matches.
enum ExplanationColumns {
    static let header = "\tclusters\tbecause"

    static func format(clusters: [Int], shares: [Float], because: [String], similarities: [Float]) -> String {
        let c = zip(clusters, shares).map { "c\($0):\($1)" }.joined(separator: "|")
        let b = zip(because, similarities).map { "\($0):\($1)" }.joined(separator: "|")
        return "\t\(c)\t\(b)"
    }
}
