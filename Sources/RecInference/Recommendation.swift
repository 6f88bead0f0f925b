/// A ranked answer and how it was produced.
public struct Recommendation: Sendable {
    public enum Fallback: String, Sendable { case none, popularity }
    public var items: [(index: Int, score: Float)] = []
    public var clusters: [(index: Int, score: Float)] = []
    public var fallback: Fallback = .none
    /// Items appended from the popularity list because the vote produced fewer than k.
    public var filledFromPopularity = 0
    /// Distinct items of the top clusters' shortlists the request's filter removed.
    public var filteredCandidates = 0
    /// Interactions beyond the window W that the profile ignored.
    public var truncatedInteractions = 0
    public init() {}
}
