import Foundation
import RecData

/// Which items a request may be recommended, beyond never its own history: items to leave out
/// (bought, out of stock), the only items allowed, and conditions on item attributes. Resolved once
/// per request against the model's catalogue; `allows` is then a few lookups per item.
///
/// Filtering happens before the vote (`RecommenderModel.apply`): the items of the user's top
/// clusters' shortlists that fail the filter join the history's exclusions, so shard workers never
/// vote for them and the answer is exactly the unfiltered ranking of the items that pass; the
/// popularity fill takes only items that pass.
public struct ItemFilter: Sendable, Equatable {
    public enum Comparison: String, Sendable, CaseIterable {
        // Longest operators first, so "<=" is not read as "<".
        case atLeast = ">="
        case atMost = "<="
        case above = ">"
        case below = "<"
        case equal = "="

        func holds(_ value: Float, _ bound: Float) -> Bool {
            switch self {
            case .atLeast: return value >= bound
            case .atMost: return value <= bound
            case .above: return value > bound
            case .below: return value < bound
            case .equal: return value == bound
            }
        }
    }

    public enum Condition: Sendable, Equatable {
        /// The item has at least one of the genres marked (by vocabulary index), or, negated, none.
        case genres([Bool], negated: Bool)
        /// The item's year compared with a bound (an item without a year fails).
        case year(Comparison, Float)
    }

    public var excluded: Set<Int>
    /// nil: every item may be recommended.
    public var allowed: Set<Int>?
    public var conditions: [Condition]

    public init(excluded: Set<Int> = [], allowed: Set<Int>? = nil, conditions: [Condition] = []) {
        self.excluded = excluded
        self.allowed = allowed
        self.conditions = conditions
    }

    public func allows(_ item: Int, features: ItemFeatures) -> Bool {
        if excluded.contains(item) { return false }
        if let allowed, !allowed.contains(item) { return false }
        for condition in conditions {
            switch condition {
            case let .genres(wanted, negated):
                var has = false
                if item < features.genres.count {
                    for g in features.genres[item] where g < wanted.count && wanted[g] { has = true; break }
                }
                if has == negated { return false }
            case let .year(comparison, bound):
                guard item < features.years.count, comparison.holds(features.years[item], bound) else { return false }
            }
        }
        return true
    }

    /// A request's filter from item IDs and condition texts; nil when it has none. Unknown item IDs
    /// are ignored (they cannot be recommended anyway); a condition that does not parse, or names
    /// an attribute or genre the catalogue lacks, is an error that says so.
    public static func resolve(
        excludeIDs: [String], allowIDs: [String], conditions: [String],
        model: RecommenderModel
    ) throws(ItemFilterError) -> ItemFilter? {
        guard !excludeIDs.isEmpty || !allowIDs.isEmpty || !conditions.isEmpty else { return nil }
        func indices(_ ids: [String]) -> Set<Int> {
            var out = Set<Int>(minimumCapacity: ids.count)
            for id in ids { if let i = model.itemLookup.index(of: id) { out.insert(i) } }
            return out
        }
        var parsed: [Condition] = []
        for text in conditions { parsed.append(try parse(text, features: model.itemFeatures)) }
        return ItemFilter(excluded: indices(excludeIDs), allowed: allowIDs.isEmpty ? nil : indices(allowIDs), conditions: parsed)
    }

    /// "genre in A|B", "genre not in A", "year >= 1990" (also <=, >, <, =); names without case.
    static func parse(_ text: String, features: ItemFeatures) throws(ItemFilterError) -> Condition {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // The attribute is the leading word ("year>=1990" needs no spaces).
        let first = trimmed.prefix { $0.isLetter || $0 == "_" }
        guard !trimmed.isEmpty else { throw .unparsable(text, reason: "it is empty") }
        guard !first.isEmpty else { throw .unparsable(text, reason: "it does not start with an attribute name (genre, year)") }
        let attribute = first.lowercased()
        let rest = trimmed.dropFirst(first.count).trimmingCharacters(in: .whitespaces)
        switch attribute {
        case "genre", "genres":
            let lowered = rest.lowercased()
            let negated: Bool, list: Substring
            if lowered.hasPrefix("not in ") {
                negated = true; list = rest.dropFirst(7)
            } else if lowered.hasPrefix("in ") {
                negated = false; list = rest.dropFirst(3)
            } else {
                throw .unparsable(text, reason: "a genre condition reads 'genre in A|B' or 'genre not in A|B'")
            }
            var vocabulary: [String: Int] = [:]
            for (k, name) in features.genreVocabulary.ids.enumerated() { vocabulary[name.lowercased()] = k }
            var wanted = [Bool](repeating: false, count: features.genreVocabulary.count)
            var named = 0
            for name in list.split(separator: "|").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let k = vocabulary[name.lowercased()] else {
                    throw .unknownGenre(name, known: features.genreVocabulary.ids)
                }
                wanted[k] = true
                named += 1
            }
            guard named > 0 else { throw .unparsable(text, reason: "it names no genre") }
            return .genres(wanted, negated: negated)
        case "year":
            guard let comparison = Comparison.allCases.first(where: { rest.hasPrefix($0.rawValue) }) else {
                throw .unparsable(text, reason: "a year condition reads 'year >= 1990' (or <=, >, <, =)")
            }
            let number = rest.dropFirst(comparison.rawValue.count).trimmingCharacters(in: .whitespaces)
            guard let bound = Float(number), bound.isFinite else {
                throw .unparsable(text, reason: "'\(number)' is not a number")
            }
            return .year(comparison, bound)
        default:
            throw .unknownAttribute(String(first))
        }
    }
}

public enum ItemFilterError: Error, Equatable, CustomStringConvertible {
    case unparsable(String, reason: String)
    case unknownAttribute(String)
    case unknownGenre(String, known: [String])

    public var description: String {
        switch self {
        case let .unparsable(text, reason): return "item condition '\(text)' cannot be read: \(reason)"
        case let .unknownAttribute(name): return "items have no attribute '\(name)' (conditions can name: genre, year)"
        case let .unknownGenre(name, known):
            let list = known.prefix(40).joined(separator: ", ")
            return "no item has the genre '\(name)' (the catalogue's genres: \(list.isEmpty ? "none" : list))"
        }
    }
}
