/// An interaction log with its optional item features and user attributes, all aligned by index.
public struct Dataset: Sendable {
    public var log: InteractionLog
    public var itemFeatures: ItemFeatures
    public var attributes: UserAttributes
    /// Encoded attributes per user of `log` (all zeros when the user is not in the users file).
    public var userAttributeValues: [[Int]]
    public var ratingScale: RatingScale
    /// Malformed rows skipped while loading (with `MalformedRows.skip`), per file.
    public var skippedRows: [SkippedRows] = []

    public init(
        log: InteractionLog, itemFeatures: ItemFeatures, attributes: UserAttributes,
        userAttributeValues: [[Int]], ratingScale: RatingScale
    ) {
        self.log = log
        self.itemFeatures = itemFeatures
        self.attributes = attributes
        self.userAttributeValues = userAttributeValues
        self.ratingScale = ratingScale
    }

    /// How the rating scale of a loaded log is chosen: given whole, or inferred from the ratings
    /// (leaving out the `unrated` value) with an optional like threshold.
    public struct ScaleRule: Equatable, Sendable {
        public var scale: RatingScale?
        public var unrated: Float?
        public var likeThreshold: Float?
        public init(scale: RatingScale? = nil, unrated: Float? = nil, likeThreshold: Float? = nil) {
            self.scale = scale
            self.unrated = unrated
            self.likeThreshold = likeThreshold
        }
    }

    /// Loads the interactions and the optional features files. Catalogue items listed only in the
    /// items file are added to the item map (they can be served from their features).
    /// `progress` reports reading the interactions (lines read, fraction of the file).
    public static func load(
        interactions: String, items: String? = nil, users: String? = nil,
        ratingScale: RatingScale? = nil, options: ReadOptions = ReadOptions(), scaleRule: ScaleRule = ScaleRule(),
        progress: ((Int, Double) -> Void)? = nil
    ) throws(DataError) -> Dataset {
        var skipped: [SkippedRows] = []
        let record: (SkippedRows) -> Void = { skipped.append($0) }
        var log = try InteractionLog.read(path: interactions, options: options, progress: progress, skipped: record)
        guard log.interactionCount > 0 else {
            throw DataError(file: interactions, line: 0, message: "the file has no interactions")
        }
        var features = ItemFeatures.empty(itemCount: log.items.count)
        if let items {
            let table = try ItemFeatureTable.read(path: items, options: options, skipped: record)
            log.addItems(table.ids)
            features = ItemFeatures(table: table, items: log.items)
        }
        var attributes = UserAttributes.none
        var encoded = [[Int]](repeating: [], count: log.users.count)
        if let users {
            let table = try UserAttributeTable.read(path: users, options: options, skipped: record)
            attributes = UserAttributes(table: table)
            encoded = (0..<log.users.count).map { attributes.encode(table.row(of: log.users[$0])) }
        }
        let scale =
            ratingScale ?? scaleRule.scale
            ?? .inferred(from: log.ratings, unrated: scaleRule.unrated, likeThreshold: scaleRule.likeThreshold)
        var dataset = Dataset(
            log: log, itemFeatures: features, attributes: attributes, userAttributeValues: encoded,
            ratingScale: scale)
        dataset.skippedRows = skipped
        return dataset
    }

    /// The same dataset restricted to `users` (item map, features and vocabularies unchanged).
    public func subset(users selected: [Int]) -> Dataset {
        Dataset(
            log: log.subset(users: selected), itemFeatures: itemFeatures, attributes: attributes,
            userAttributeValues: selected.map { userAttributeValues[$0] }, ratingScale: ratingScale)
    }
}
