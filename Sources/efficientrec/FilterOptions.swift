import ArgumentParser
import RecApp

/// Filter flags of `recommend` and `query`: the same filter for every user of the run.
struct FilterOptions: ParsableArguments {
    @Option(help: "Never recommend the item IDs in this file (one per line): bought, out of stock.")
    var excludeItems: String?
    @Option(help: "Recommend only among the item IDs in this file (one per line).")
    var allowItems: String?
    @Option(
        name: .customLong("where"),
        help: "An item condition, e.g. 'genre in Comedy|Drama', 'genre not in Horror', 'year >= 1990' (repeatable; all must hold).")
    var conditions: [String] = []

    func load() throws(AppError) -> RequestFilter {
        try RequestFilter.load(excludeFile: excludeItems, allowFile: allowItems, conditions: conditions)
    }
}
