import RecData
import RecMath

/// What the encoder sees of one user: weighted items (weights y_ui / n_u) and attribute values.
public struct ProfileInput: Equatable, Sendable {
    public var items: [Int]
    public var weights: [Float]
    public var attributes: [Int]

    public init(items: [Int], weights: [Float], attributes: [Int]) {
        self.items = items
        self.weights = weights
        self.attributes = attributes
    }

    public var isEmpty: Bool { items.isEmpty && attributes.allSatisfy { $0 == 0 } }

    /// Builds the input from a history: apply the window rule, map ratings to y by the
    /// input mode, drop y = 0, and weight each item by y / (number of items with y ≠ 0).
    /// With `training`, input and attribute dropout apply (drawn from `rng`).
    /// `kept`: the window's positions when the caller has them already (`window`).
    public static func from(
        history: UserHistory, attributes: [Int], configuration: ModelConfiguration,
        training: Bool, rng: inout SeededRandom, kept: [Int]? = nil
    ) -> ProfileInput {
        let dropout = training ? configuration.inputDropout : 0
        let kept = kept ?? window(history, configuration: configuration)
        var items: [Int] = [], ys: [Float] = []
        for p in kept {
            let y: Float
            switch configuration.inputMode {
            case .signed: y = configuration.ratingScale.normalized(history.ratings[p])
            case .liked: y = configuration.ratingScale.isLiked(history.ratings[p]) ? 1 : 0
            }
            guard y != 0 else { continue }
            if dropout > 0 && rng.unit() < dropout { continue }
            items.append(history.items[p]); ys.append(y)
        }
        let n = Float(max(1, ys.count))
        var attributes = attributes
        if training && configuration.attributeDropout > 0 {
            for k in attributes.indices where rng.unit() < configuration.attributeDropout { attributes[k] = 0 }
        }
        return ProfileInput(items: items, weights: ys.map { $0 / n }, attributes: attributes)
    }

    public static func from(history: UserHistory, attributes: [Int], configuration: ModelConfiguration) -> ProfileInput {
        var unused = SeededRandom(seed: 0)
        return from(history: history, attributes: attributes, configuration: configuration, training: false, rng: &unused)
    }

    /// Positions of the interactions kept by the window rule, in history order.
    public static func window(_ history: UserHistory, configuration: ModelConfiguration) -> [Int] {
        guard history.count > configuration.window else { return Array(0..<history.count) }
        var order = Array(0..<history.count)
        switch configuration.windowRule {
        case .recent:
            order.sort { (history.timestamps[$0], $0) > (history.timestamps[$1], $1) }
        case .topRated:
            order.sort { (history.ratings[$0], history.timestamps[$0], $0) > (history.ratings[$1], history.timestamps[$1], $1) }
        }
        return Array(order.prefix(configuration.window)).sorted()
    }
}
