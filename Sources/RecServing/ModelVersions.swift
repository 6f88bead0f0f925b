import RecInference

/// The model versions the coordinator holds, each once, by reference: `current` (new requests),
/// `previous` (requests that started on it, requests that ask for it by version, and rollback) and
/// `staged` (waiting until every shard has a worker holding it). Deciding *when* to switch is the
/// rollout's job (`CoordinatorCore+Rollout`); this value only keeps the three slots consistent.
struct ModelVersions {
    private(set) var current: SharedModel
    private(set) var previous: SharedModel?
    private(set) var staged: SharedModel?

    init(_ model: RecommenderModel) { current = SharedModel(model) }

    /// The version a request asks for: empty means the current one; nil when it is not loaded.
    func resolve(_ requested: String) -> SharedModel? {
        if requested.isEmpty || requested == current.version { return current }
        if let previous, requested == previous.version { return previous }
        return nil
    }

    /// Stages `next` (the previous version itself when it is that one: a rollback). Returns false
    /// when `next` is already current (anything staged is dropped).
    mutating func stage(_ next: RecommenderModel) -> Bool {
        guard next.version != current.version else {
            staged = nil
            return false
        }
        staged = (previous?.version == next.version) ? previous : SharedModel(next)
        return true
    }

    /// New requests use the staged version from now on; the current one becomes the previous.
    mutating func switchToStaged() -> (from: String, to: String)? {
        guard let next = staged else { return nil }
        let from = current.version
        previous = current
        current = next
        staged = nil
        return (from, next.version)
    }
}
