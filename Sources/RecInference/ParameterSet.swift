import RecMath

/// Named parameter tensors in a fixed order (the order of insertion), so optimisers,
/// gradient checks and the model file all walk them the same way.
public struct ParameterSet: Equatable, Sendable {
    public private(set) var names: [String] = []
    public var tensors: [Matrix] = []
    private var position: [String: Int] = [:]

    public init() {}

    public mutating func add(_ name: String, _ tensor: Matrix) {
        precondition(position[name] == nil, "duplicate parameter \(name)")  // programming error, not input
        position[name] = tensors.count
        names.append(name)
        tensors.append(tensor)
    }

    public func contains(_ name: String) -> Bool { position[name] != nil }

    public func index(of name: String) -> Int? { position[name] }

    public subscript(name: String) -> Matrix {
        get { tensors[position[name]!] }
        set { tensors[position[name]!] = newValue }
    }

    /// Zero tensors of the same shapes (a gradient accumulator).
    public func zeros() -> ParameterSet {
        var out = ParameterSet()
        for (n, t) in zip(names, tensors) { out.add(n, Matrix(rows: t.rows, cols: t.cols)) }
        return out
    }

    public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Removes a tensor (e.g. the training-only decoder before saving).
    public func removing(_ name: String) -> ParameterSet {
        var out = ParameterSet()
        for (n, t) in zip(names, tensors) where n != name { out.add(n, t) }
        return out
    }
}
