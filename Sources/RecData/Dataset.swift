/// An interaction log with its optional item features and user attributes, all aligned by index.
public struct Dataset: Sendable {
    public var log: InteractionLog
    public var itemFeatures: ItemFeatures
    public var attributes: UserAttributes
    /// Encoded attributes per user of `log` (all zeros when the user is not in the users file).
    public var userAttributeValues: [[Int]]
    public var ratingScale: RatingScale

    public init(log: InteractionLog, itemFeatures: ItemFeatures, attributes: UserAttributes,
                userAttributeValues: [[Int]], ratingScale: RatingScale) {
        self.log = log
        self.itemFeatures = itemFeatures
        self.attributes = attributes
        self.userAttributeValues = userAttributeValues
        self.ratingScale = ratingScale
    }

    /// Loads the interactions and the optional features files. Catalogue items listed only in the
    /// items file are added to the item map (they can be served from their features).
    /// `progress` reports reading the interactions (lines read, fraction of the file).
    public static func load(interactions: String, items: String? = nil, users: String? = nil,
                            ratingScale: RatingScale? = nil, progress: ((Int, Double) -> Void)? = nil) throws(DataError) -> Dataset {
        var log = try InteractionLog.read(path: interactions, progress: progress)
        guard log.interactionCount > 0 else {
            throw DataError(file: interactions, line: 0, message: "the file has no interactions")
        }
        var features = ItemFeatures.empty(itemCount: log.items.count)
        if let items {
            let table = try ItemFeatureTable.read(path: items)
            log.addItems(table.ids)
            features = ItemFeatures(table: table, items: log.items)
        }
        var attributes = UserAttributes.none
        var encoded = [[Int]](repeating: [], count: log.users.count)
        if let users {
            let table = try UserAttributeTable.read(path: users)
            attributes = UserAttributes(table: table)
            encoded = (0..<log.users.count).map { attributes.encode(table.row(of: log.users[$0])) }
        }
        return Dataset(log: log, itemFeatures: features, attributes: attributes, userAttributeValues: encoded,
                       ratingScale: ratingScale ?? .inferred(from: log.ratings))
    }

    /// The same dataset restricted to `users` (item map, features and vocabularies unchanged).
    public func subset(users selected: [Int]) -> Dataset {
        Dataset(log: log.subset(users: selected), itemFeatures: itemFeatures, attributes: attributes,
                userAttributeValues: selected.map { userAttributeValues[$0] }, ratingScale: ratingScale)
    }
}
