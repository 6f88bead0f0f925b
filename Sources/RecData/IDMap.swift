/// Maps external string IDs to dense indices 0..<count, in first-seen order.
public struct IDMap: Equatable, Sendable {
    public private(set) var ids: [String] = []
    private var indexOf: [String: Int] = [:]

    public init() {}

    public init(ids: [String]) {
        for id in ids { insert(id) }
    }

    public var count: Int { ids.count }

    @discardableResult
    public mutating func insert(_ id: String) -> Int {
        if let existing = indexOf[id] { return existing }
        let index = ids.count
        ids.append(id)
        indexOf[id] = index
        return index
    }

    public func index(of id: String) -> Int? { indexOf[id] }

    public subscript(index: Int) -> String { ids[index] }
}
