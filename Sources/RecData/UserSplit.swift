import RecMath

/// Strong generalisation: users are split into training and test users; each test
/// user's history is split into a part given to the model and a held-out part.
public struct UserSplit: Sendable {
    public var trainUsers: [Int]
    public var testUsers: [Int]

    /// Seeded split; `testFraction` of the users (at least one, when there are two or more) are test users.
    public init(userCount: Int, testFraction: Double, seed: UInt64) {
        var order = Array(0..<userCount)
        var rng = SeededRandom(seed: seed)
        rng.shuffle(&order)
        var testCount = Int((Double(userCount) * testFraction).rounded())
        if userCount >= 2 { testCount = min(max(testCount, 1), userCount - 1) } else { testCount = 0 }
        testUsers = Array(order[0..<testCount]).sorted()
        trainUsers = Array(order[testCount...]).sorted()
    }

    public enum HoldoutOrder: String, Sendable, CaseIterable {
        /// A seeded random half is held out.
        case random
        /// The most recent half is held out.
        case time
    }

    /// Splits a history into (given, heldOut); `heldOutFraction` of the interactions (rounded down,
    /// at least one when there are two or more) are held out.
    /// `givenLimit`: at most this many given items (a random choice of them, or the most recent
    /// with `.time`), the rest neither given nor held out: a user who has just arrived.
    public static func holdout(
        _ history: UserHistory, fraction: Double = 0.5, order: HoldoutOrder,
        givenLimit: Int? = nil, rng: inout SeededRandom
    ) -> (given: UserHistory, heldOut: UserHistory) {
        var positions = Array(0..<history.count)
        switch order {
        case .random: rng.shuffle(&positions)
        case .time: positions.sort { (history.timestamps[$0], $0) > (history.timestamps[$1], $1) }
        }
        var heldCount = Int(Double(history.count) * fraction)
        if history.count >= 2 { heldCount = max(1, heldCount) }
        let held = Array(positions[0..<heldCount]).sorted()
        let givenEnd = givenLimit.map { heldCount + min(max(0, $0), history.count - heldCount) } ?? history.count
        let given = Array(positions[heldCount..<givenEnd]).sorted()
        return (history.selecting(given), history.selecting(held))
    }
}
