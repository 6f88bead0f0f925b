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
        var columns = Rows()
        for r in rows { columns.append(user: r.user, item: r.item, rating: r.rating, time: r.time) }
        self.init(users: users, items: items, rows: columns, hasTimestamps: hasTimestamps)
    }

    /// Interaction rows as parallel columns (20 bytes a row; a 20M-line log is 400 MB, not 640 MB of tuples).
    public struct Rows: Sendable {
        public var users: [Int32] = [], items: [Int32] = [], ratings: [Float] = [], times: [Double] = []
        public init() {}
        public var count: Int { users.count }
        public mutating func append(user: Int, item: Int, rating: Float, time: Double) {
            users.append(Int32(user)); items.append(Int32(item)); ratings.append(rating); times.append(time)
        }
    }

    public init(users: IDMap, items: IDMap, rows: Rows, hasTimestamps: Bool) {
        self.users = users
        self.items = items
        self.hasTimestamps = hasTimestamps
        var counts = [Int](repeating: 0, count: users.count + 1)
        for u in rows.users { counts[Int(u) + 1] += 1 }
        for u in 0..<users.count { counts[u + 1] += counts[u] }
        var cursor = counts
        var order = [Int32](repeating: 0, count: rows.count)
        for k in 0..<rows.count {
            let u = Int(rows.users[k])
            order[cursor[u]] = Int32(k); cursor[u] += 1
        }
        cursor = []
        var offsets = [0]
        offsets.reserveCapacity(users.count + 1)
        var flatItems: [Int32] = [], flatRatings: [Float] = [], flatTimes: [Double] = []
        flatItems.reserveCapacity(rows.count); flatRatings.reserveCapacity(rows.count); flatTimes.reserveCapacity(rows.count)
        var lastSeen: [Int32: Int] = [:]
        for u in 0..<users.count {
            lastSeen.removeAll(keepingCapacity: true)
            for slot in counts[u]..<counts[u + 1] {
                let k = Int(order[slot])
                let item = rows.items[k]
                if let at = lastSeen[item] {
                    flatRatings[at] = rows.ratings[k]; flatTimes[at] = rows.times[k]
                } else {
                    lastSeen[item] = flatItems.count
                    flatItems.append(item); flatRatings.append(rows.ratings[k]); flatTimes.append(rows.times[k])
                }
            }
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
    /// `skipped` receives the malformed rows skipped under `MalformedRows.skip`.
    public static func read(
        path: String, options: ReadOptions = ReadOptions(), progress: ((Int, Double) -> Void)? = nil,
        skipped: ((SkippedRows) -> Void)? = nil
    ) throws(DataError) -> InteractionLog {
        let table = try DelimitedTable(path: path, options: options)
        let userColumn = try table.requireColumn(["user", "user_id", "userid"], role: "user")
        let itemColumn = try table.requireColumn(["item", "item_id", "itemid", "movie_id", "isbn"], role: "item")
        let ratingColumn = table.column(["rating", "score", "value", "book_rating"])
        let timeColumn = table.column(["timestamp", "time", "ts"])
        var users = ByteKeyedIDs(), items = ByteKeyedIDs()
        var rows = Rows()
        let report = try table.forEachRow(progress: progress) { (line, fields) throws(DataError) in
            var rating: Float = 1
            if let rc = ratingColumn {
                let value = try table.number(fields[rc], line: line, column: rc)
                guard abs(value) < 1e30 else {
                    throw DataError(file: path, line: line, message: "rating \(value) is out of range")
                }
                rating = Float(value)
            }
            let time = try timeColumn.map { (tc) throws(DataError) in try table.number(fields[tc], line: line, column: tc) } ?? Double(line)
            // IDs last: a row rejected for its rating or time adds no user or item.
            let u = try users.index(of: fields[userColumn], table: table, line: line, column: userColumn)
            let i = try items.index(of: fields[itemColumn], table: table, line: line, column: itemColumn)
            rows.append(user: u, item: i, rating: rating, time: time)
        }
        if report.count > 0 { skipped?(report) }
        return InteractionLog(users: users.map, items: items.map, rows: rows, hasTimestamps: timeColumn != nil)
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
        UserHistory(
            items: positions.map { items[$0] }, ratings: positions.map { ratings[$0] },
            timestamps: positions.map { timestamps[$0] })
    }
}
