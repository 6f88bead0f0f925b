import Foundation
import RecMath

/// Seeded synthetic data with power-law item popularity and planted taste groups.
/// Users are generated one at a time from a per-user random stream and written straight to disk,
/// so millions of users never sit in memory together.
///
/// Item j belongs to taste group j mod G; its popularity weight is 1/(j+1)^alpha. A user picks one
/// group; each interaction comes from that group with probability `groupAffinity` (else from the
/// whole catalogue) and is rated 4–5 when in-group, mostly 1–3 otherwise. The users file carries
/// an occupation correlated with the group, so attributes alone are informative.
public struct SyntheticGenerator: Sendable {
    public struct Configuration: Sendable {
        public var users: Int
        public var items: Int
        public var groups: Int = 8
        public var seed: UInt64 = 1
        public var popularityExponent: Double = 0.9
        public var groupAffinity: Double = 0.8
        public var minInteractions: Int = 10
        public var maxInteractions: Int = 200
        /// Users pick group g with probability ∝ 1/(g+1)^groupSkew: 0 makes every group equally
        /// common; larger values make the last groups niche tastes next to a few mainstream ones.
        public var groupSkew: Double = 0

        public init(users: Int, items: Int, groups: Int = 8, seed: UInt64 = 1) {
            self.users = users
            self.items = items
            self.groups = groups
            self.seed = seed
        }
    }

    public struct Summary: Sendable { public var users: Int; public var items: Int; public var interactions: Int }

    public let configuration: Configuration
    private let groupItems: [[Int]]
    private let groupCumulative: [[Double]]
    private let globalCumulative: [Double]
    /// Cumulative group shares of users (empty when every group is equally common).
    private let userGroupCumulative: [Double]

    public init(_ configuration: Configuration) throws(DataError) {
        guard configuration.users > 0 else { throw DataError(file: "generate", line: 0, message: "--users must be positive") }
        guard configuration.items >= 2 else { throw DataError(file: "generate", line: 0, message: "--items must be at least 2") }
        guard configuration.groups >= 1, configuration.groups <= configuration.items else {
            throw DataError(file: "generate", line: 0, message: "--groups must be between 1 and the number of items")
        }
        guard configuration.groupSkew >= 0, configuration.groupSkew <= 10 else {
            throw DataError(file: "generate", line: 0, message: "--group-skew must be between 0 and 10")
        }
        self.configuration = configuration
        let weights = (0..<configuration.items).map { 1 / pow(Double($0 + 1), configuration.popularityExponent) }
        var members = [[Int]](repeating: [], count: configuration.groups)
        for j in 0..<configuration.items { members[j % configuration.groups].append(j) }
        groupItems = members
        func cumulative(_ ids: [Int]) -> [Double] {
            var total = 0.0
            return ids.map {
                total += weights[$0]; return total
            }
        }
        groupCumulative = members.map(cumulative)
        globalCumulative = cumulative(Array(0..<configuration.items))
        var share = 0.0
        userGroupCumulative =
            configuration.groupSkew == 0
            ? []
            : (0..<configuration.groups).map {
                share += 1 / pow(Double($0 + 1), configuration.groupSkew); return share
            }
    }

    /// A user's group: the first draw of the user's stream.
    private func drawGroup(_ rng: inout SeededRandom) -> Int {
        userGroupCumulative.isEmpty ? rng.below(configuration.groups) : sample(userGroupCumulative, rng: &rng)
    }

    public func group(ofItem item: Int) -> Int { item % configuration.groups }

    /// The planted group of a user (the first draw of the user's stream).
    public func group(ofUser user: Int) -> Int {
        var rng = SeededRandom.derived(seed: configuration.seed, stream: UInt64(user))
        return drawGroup(&rng)
    }

    private func sample(_ cumulative: [Double], rng: inout SeededRandom) -> Int {
        let target = rng.unitDouble() * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// One user's interactions: (item, rating) pairs, distinct items.
    public func interactions(ofUser user: Int) -> [(item: Int, rating: Int)] {
        var rng = SeededRandom.derived(seed: configuration.seed, stream: UInt64(user))
        let g = drawGroup(&rng)
        let cap = min(configuration.maxInteractions, configuration.items / 2)
        let span = Double(max(1, cap - configuration.minInteractions))
        let pareto = Double(configuration.minInteractions) * (pow(1 - rng.unitDouble(), -1.0 / 1.5) - 1)
        let count = max(1, min(cap, configuration.minInteractions + Int(min(pareto, span))))
        var chosen = Set<Int>()
        var out: [(item: Int, rating: Int)] = []
        var attempts = 0
        while out.count < count && attempts < count * 20 {
            attempts += 1
            let inGroup = rng.unitDouble() < configuration.groupAffinity
            let item = inGroup ? groupItems[g][sample(groupCumulative[g], rng: &rng)] : sample(globalCumulative, rng: &rng)
            guard chosen.insert(item).inserted else { continue }
            let u = rng.unitDouble()
            let rating: Int
            if group(ofItem: item) == g {
                rating = u < 0.55 ? 5 : (u < 0.9 ? 4 : 3)
            } else {
                rating = u < 0.15 ? 4 : (u < 0.5 ? 3 : (u < 0.8 ? 2 : 1))
            }
            out.append((item, rating))
        }
        return out
    }

    /// Writes `interactions.tsv`, `items.tsv` and `users.tsv` into `directory`.
    @discardableResult
    public func write(to directory: String) throws(DataError) -> Summary {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: directory, line: 0, message: "cannot create the directory: \(error.localizedDescription)")
        }
        let items = try BufferedFileWriter(path: directory + "/items.tsv")
        try items.write("item\ttitle\tgenres\tyear\n")
        for j in 0..<configuration.items {
            var rng = SeededRandom.derived(seed: configuration.seed ^ 0xA5A5, stream: UInt64(j))
            let g = group(ofItem: j)
            var genres = ["genre-\(g)"]
            if rng.unitDouble() < 0.3 { genres.append("genre-\(rng.below(configuration.groups))") }
            let year = 1950 + 8 * (g % 8) + rng.below(8)
            try items.write("i\(j + 1)\tItem \(j + 1) of group \(g)\t\(Array(Set(genres)).sorted().joined(separator: "|"))\t\(year)\n")
        }
        try items.close()

        let users = try BufferedFileWriter(path: directory + "/users.tsv")
        let log = try BufferedFileWriter(path: directory + "/interactions.tsv")
        try users.write("user\tage\tgender\toccupation\n")
        try log.write("user\titem\trating\ttimestamp\n")
        let ages = ["<18", "18-24", "25-34", "35-44", "45-49", "50-55", "56+"]
        var total = 0
        for u in 0..<configuration.users {
            let g = group(ofUser: u)
            var rng = SeededRandom.derived(seed: configuration.seed ^ 0x5A5A, stream: UInt64(u))
            let occupation = rng.unitDouble() < 0.7 ? g : rng.below(configuration.groups)
            try users.write("u\(u + 1)\t\(ages[rng.below(ages.count)])\t\(rng.below(2) == 0 ? "F" : "M")\tocc-\(occupation)\n")
            let base = 880_000_000 + u
            for (k, pair) in interactions(ofUser: u).enumerated() {
                try log.write("u\(u + 1)\ti\(pair.item + 1)\t\(pair.rating)\t\(base + k * 60)\n")
                total += 1
            }
        }
        try users.close()
        try log.close()
        return Summary(users: configuration.users, items: configuration.items, interactions: total)
    }
}
