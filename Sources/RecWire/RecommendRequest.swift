import CRecProtocol

/// A client's request: the user's history (parallel arrays), optional attributes, k, deadline.
public struct RecommendRequest: Equatable, Sendable {
    public var requestID: String
    public var itemIDs: [String]
    public var ratings: [Float]
    public var timestamps: [Double]
    public var attributeNames: [String]
    public var attributeValues: [String]
    public var k: UInt32
    /// Microseconds since the Unix epoch; 0 = the server default.
    public var deadlineUnixMicros: UInt64
    /// Empty = the server's current model.
    public var modelVersion: String
    /// Filters (all must hold): items never to recommend, the only items to recommend (empty:
    /// all), and attribute conditions such as "genre in Comedy|Drama" or "year >= 1990".
    public var excludeItemIDs: [String] = []
    public var allowItemIDs: [String] = []
    public var itemConditions: [String] = []

    /// Ask for an explanation of every voted item (off by default).
    public var explain = false

    public var hasFilter: Bool { !excludeItemIDs.isEmpty || !allowItemIDs.isEmpty || !itemConditions.isEmpty }

    public init(
        requestID: String, itemIDs: [String] = [], ratings: [Float] = [], timestamps: [Double] = [],
        attributeNames: [String] = [], attributeValues: [String] = [], k: UInt32 = 10,
        deadlineUnixMicros: UInt64 = 0, modelVersion: String = ""
    ) {
        self.requestID = requestID
        self.itemIDs = itemIDs
        self.ratings = ratings
        self.timestamps = timestamps
        self.attributeNames = attributeNames
        self.attributeValues = attributeValues
        self.k = k
        self.deadlineUnixMicros = deadlineUnixMicros
        self.modelVersion = modelVersion
    }

    func makeC(_ arena: CArena) -> Efficientrec__V1__RecommendRequest {
        var m = Efficientrec__V1__RecommendRequest()
        efficientrec__v1__recommend_request__init(&m)
        m.request_id = arena.string(requestID)
        m.n_item_ids = itemIDs.count; m.item_ids = arena.strings(itemIDs)
        m.n_ratings = ratings.count; m.ratings = arena.array(ratings)
        m.n_timestamps = timestamps.count; m.timestamps = arena.array(timestamps)
        m.n_attribute_names = attributeNames.count; m.attribute_names = arena.strings(attributeNames)
        m.n_attribute_values = attributeValues.count; m.attribute_values = arena.strings(attributeValues)
        m.k = k
        m.deadline_unix_micros = deadlineUnixMicros
        m.model_version = arena.string(modelVersion)
        m.n_exclude_item_ids = excludeItemIDs.count; m.exclude_item_ids = arena.strings(excludeItemIDs)
        m.n_allow_item_ids = allowItemIDs.count; m.allow_item_ids = arena.strings(allowItemIDs)
        m.n_item_conditions = itemConditions.count; m.item_conditions = arena.strings(itemConditions)
        m.explain = explain ? 1 : 0
        return m
    }

    /// Decodes and checks the structure: UTF-8, parallel lengths, limits, finite ratings.
    init(_ c: Efficientrec__V1__RecommendRequest, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "request_id", limits: limits)
        itemIDs = try CRead.texts(c.n_item_ids, c.item_ids, field: "item_ids", limit: limits.maxHistory, limits: limits)
        ratings = try CRead.values(c.n_ratings, c.ratings, field: "ratings", limit: limits.maxHistory)
        timestamps = try CRead.values(c.n_timestamps, c.timestamps, field: "timestamps", limit: limits.maxHistory)
        attributeNames = try CRead.texts(
            c.n_attribute_names, c.attribute_names, field: "attribute_names",
            limit: limits.maxAttributes, limits: limits)
        attributeValues = try CRead.texts(
            c.n_attribute_values, c.attribute_values, field: "attribute_values",
            limit: limits.maxAttributes, limits: limits)
        k = c.k
        deadlineUnixMicros = c.deadline_unix_micros
        modelVersion = try CRead.text(c.model_version, field: "model_version", limits: limits)
        excludeItemIDs = try CRead.texts(
            c.n_exclude_item_ids, c.exclude_item_ids, field: "exclude_item_ids",
            limit: limits.maxFilterItems, limits: limits)
        allowItemIDs = try CRead.texts(
            c.n_allow_item_ids, c.allow_item_ids, field: "allow_item_ids",
            limit: limits.maxFilterItems, limits: limits)
        itemConditions = try CRead.texts(
            c.n_item_conditions, c.item_conditions, field: "item_conditions",
            limit: limits.maxFilterConditions, limits: limits)
        explain = c.explain != 0
        guard ratings.count == itemIDs.count else {
            throw .lengthMismatch(field: "ratings", expected: itemIDs.count, found: ratings.count)
        }
        guard timestamps.isEmpty || timestamps.count == itemIDs.count else {
            throw .lengthMismatch(field: "timestamps", expected: itemIDs.count, found: timestamps.count)
        }
        guard attributeValues.count == attributeNames.count else {
            throw .lengthMismatch(field: "attribute_values", expected: attributeNames.count, found: attributeValues.count)
        }
        if let bad = ratings.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(field: "ratings", reason: "rating \(bad) is \(ratings[bad])")
        }
        if let bad = timestamps.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(field: "timestamps", reason: "timestamp \(bad) is \(timestamps[bad])")
        }
    }
}
