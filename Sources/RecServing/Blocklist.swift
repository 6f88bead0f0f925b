import RecInference

/// Items withdrawn from every answer now (an admin action): kept as item IDs, so the list outlives
/// model versions, and resolved to the catalogue's indices once per version. Every request then
/// carries them in its filter's exclusions (`ItemFilter`), so no shard votes for them and the
/// popularity fill skips them — from the next request on, whatever shard or replica serves it.
struct Blocklist {
    private(set) var ids: Set<String> = []
    /// The indices of `ids` in one model version's catalogue.
    private var resolved: (version: String, indices: Set<Int>)?
    /// Bumped on every change (the shell hands a changed list to sibling loops).
    private(set) var generation = 0

    var isEmpty: Bool { ids.isEmpty }
    var count: Int { ids.count }

    mutating func block(_ items: [String]) { change { $0.formUnion(items) } }
    mutating func unblock(_ items: [String]) { change { $0.subtract(items) } }
    mutating func replace(with items: Set<String>) { change { $0 = items } }

    private mutating func change(_ body: (inout Set<String>) -> Void) {
        let before = ids
        body(&ids)
        guard ids != before else { return }
        resolved = nil
        generation += 1
    }

    /// The blocked items of `model`'s catalogue (IDs it lacks are kept for later versions).
    mutating func indices(in model: RecommenderModel) -> Set<Int> {
        if let resolved, resolved.version == model.version { return resolved.indices }
        var out = Set<Int>(minimumCapacity: ids.count)
        for id in ids { if let i = model.itemLookup.index(of: id) { out.insert(i) } }
        resolved = (model.version, out)
        return out
    }

    /// A request's filter with the blocked items added to its exclusions (nil when neither has any).
    mutating func merged(into filter: ItemFilter?, model: RecommenderModel) -> ItemFilter? {
        guard !ids.isEmpty else { return filter }
        let blocked = indices(in: model)
        // Shared, not copied, when the request excludes nothing itself (the usual case): the
        // request path then costs nothing per blocked item.
        guard var out = filter else { return ItemFilter(excluded: blocked) }
        if out.excluded.isEmpty { out.excluded = blocked } else { out.excluded.formUnion(blocked) }
        return out
    }
}
