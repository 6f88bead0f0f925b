/// User–item interactions grouped by user (CSR), with string IDs mapped to dense indices.
/// Within a user, interactions keep file order; a repeated (user, item) pair keeps its last rating.
public struct InteractionLog: Sendable {
    public var users: IDMap
    public var items: IDMap
    /// `userOffsets[u]..<userOffsets[u+1]` indexes the flat arrays below.
    public private(set) var userOffsets: [Int]
    public private(set) var itemIndices: [Int32]
    public private(set) var ratings: [Float]
    /// Timestamps, or the row number when the file has none (so "most recent" means "last in file").
    public private(set) var timestamps: [Double]
    public let hasTimestamps: Bool

    public var interactionCount: Int { itemIndices.count }

    public init(users: IDMap, items: IDMap, rows: [(user: Int, item: Int, rating: Float, time: Double)], hasTimestamps: Bool) {
        self.users = users
        self.items = items
        self.hasTimestamps = hasTimestamps
        var counts = [Int](repeating: 0, count: users.count + 1)
        for r in rows { counts[r.user + 1] += 1 }
        for u in 0..<users.count { counts[u + 1] += counts[u] }
        var cursor = counts
        var order = [Int](repeating: 0, count: rows.count)
        for (k, r) in rows.enumerated() { order[cursor[r.user]] = k; cursor[r.user] += 1 }
        var offsets = [0]
        var flatItems: [Int32] = [], flatRatings: [Float] = [], flatTimes: [Double] = []
        flatItems.reserveCapacity(rows.count); flatRatings.reserveCapacity(rows.count); flatTimes.reserveCapacity(rows.count)
        var lastSeen: [Int: Int] = [:]
        for u in 0..<users.count {
            lastSeen.removeAll(keepingCapacity: true)
            let begin = flatItems.count
            for k in order[counts[u]..<counts[u + 1]] {
                let r = rows[k]
                if let at = lastSeen[r.item] {
                    flatRatings[at] = r.rating; flatTimes[at] = r.time
                } else {
                    lastSeen[r.item] = flatItems.count
                    flatItems.append(Int32(r.item)); flatRatings.append(r.rating); flatTimes.append(r.time)
                }
            }
            _ = begin
            offsets.append(flatItems.count)
        }
        userOffsets = offsets
        itemIndices = flatItems
        ratings = flatRatings
        timestamps = flatTimes
    }

    public func history(of user: Int) -> UserHistory {
        let range = userOffsets[user]..<userOffsets[user + 1]
        return UserHistory(items: itemIndices[range].map(Int.init), ratings: Array(ratings[range]), timestamps: Array(timestamps[range]))
    }

    /// Reads a CSV/TSV/RecBole interaction file with columns user, item, [rating], [timestamp].
    /// A missing rating column means implicit feedback (every rating is 1).
    /// `progress` (lines read, fraction of the file) is called every 65,536 lines.
    public static func read(path: String, progress: ((Int, Double) -> Void)? = nil) throws(DataError) -> InteractionLog {
        let table = try DelimitedTable(path: path)
        let userColumn = try table.requireColumn(["user", "user_id", "userid"], role: "user")
        let itemColumn = try table.requireColumn(["item", "item_id", "itemid", "movie_id"], role: "item")
        let ratingColumn = table.column(["rating", "score", "value"])
        let timeColumn = table.column(["timestamp", "time", "ts"])
        var users = IDMap(), items = IDMap()
        var rows: [(user: Int, item: Int, rating: Float, time: Double)] = []
        try table.forEachRow(progress: progress) { (line, fields) throws(DataError) in
            let u = users.insert(try table.identifier(fields[userColumn], line: line, column: userColumn))
            let i = items.insert(try table.identifier(fields[itemColumn], line: line, column: itemColumn))
            var rating: Float = 1
            if let rc = ratingColumn {
                let value = try table.number(fields[rc], line: line, column: rc)
                guard abs(value) < 1e30 else {
                    throw DataError(file: path, line: line, message: "rating \(value) is out of range")
                }
                rating = Float(value)
            }
            let time = try timeColumn.map { (tc) throws(DataError) in try table.number(fields[tc], line: line, column: tc) } ?? Double(line)
            rows.append((u, i, rating, time))
        }
        return InteractionLog(users: users, items: items, rows: rows, hasTimestamps: timeColumn != nil)
    }

    /// Restricts the log to the given users (in that order), keeping the item map unchanged.
    public func subset(users selected: [Int]) -> InteractionLog {
        var map = IDMap()
        var rows: [(user: Int, item: Int, rating: Float, time: Double)] = []
        for u in selected {
            let nu = map.insert(users[u])
            let h = history(of: u)
            for k in 0..<h.count { rows.append((nu, h.items[k], h.ratings[k], h.timestamps[k])) }
        }
        return InteractionLog(users: map, items: items, rows: rows, hasTimestamps: hasTimestamps)
    }

    /// Builds a log from per-user histories over an existing item map.
    public static func from(histories: [(id: String, history: UserHistory)], items: IDMap, hasTimestamps: Bool) -> InteractionLog {
        var map = IDMap()
        var rows: [(user: Int, item: Int, rating: Float, time: Double)] = []
        for (id, h) in histories {
            let u = map.insert(id)
            for k in 0..<h.count { rows.append((u, h.items[k], h.ratings[k], h.timestamps[k])) }
        }
        return InteractionLog(users: map, items: items, rows: rows, hasTimestamps: hasTimestamps)
    }

    /// Appends item IDs (e.g. catalogue items nobody interacted with) to the item map.
    public mutating func addItems(_ ids: [String]) {
        for id in ids { items.insert(id) }
    }
}

/// One user's interactions as parallel arrays.
public struct UserHistory: Equatable, Sendable {
    public var items: [Int]
    public var ratings: [Float]
    public var timestamps: [Double]

    public init(items: [Int], ratings: [Float], timestamps: [Double]? = nil) {
        self.items = items
        self.ratings = ratings
        self.timestamps = timestamps ?? items.indices.map(Double.init)
    }

    public var count: Int { items.count }

    public func selecting(_ positions: [Int]) -> UserHistory {
        UserHistory(items: positions.map { items[$0] }, ratings: positions.map { ratings[$0] },
                    timestamps: positions.map { timestamps[$0] })
    }
}
