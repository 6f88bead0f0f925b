/// A sparse item–item model B in compressed rows: row j holds the weights B[j, i] from history item
/// j to the items i it scores, at most a fixed number per row (the strongest), sorted by i. A
/// user's item–item score for item i is Σ over history items j of B[j, i], so scoring touches only
/// the rows of the history. Bytes: O(items × neighbours), whatever the number of users.
public struct ItemItemWeights: Sendable, Equatable {
    /// rowCount + 1 ascending offsets into `targets` / `weights`.
    public let offsets: [Int]
    public let targets: [Int32]
    public let weights: [Float]
    /// One more than the largest target (0 without entries; `Int.max` when a target is negative):
    /// scoring into at least this many items needs no per-entry range check.
    public let targetLimit: Int

    /// Rows as given; `validationError` says whether they are well formed.
    public init(offsets: [Int], targets: [Int32], weights: [Float]) {
        self.offsets = offsets
        self.targets = targets
        self.weights = weights
        var low: Int32 = 0, high: Int32 = -1
        for t in targets { low = Swift.min(low, t); high = Swift.max(high, t) }
        targetLimit = low < 0 ? Int.max : Int(high) + 1
    }

    /// Builds the rows from (target, weight) lists, keeping each row's `keep` largest weights by
    /// magnitude (ties: lower target), sorted by target. Zero weights are dropped.
    public init(rows: [[(target: Int, weight: Float)]], keep: Int) {
        var offsets = [0], targets: [Int32] = [], weights: [Float] = []
        for row in rows {
            let nonzero = row.filter { $0.weight != 0 && $0.weight.isFinite }
            let kept =
                nonzero.count <= keep
                ? nonzero
                : Array(nonzero.sorted { (abs($0.weight), -$0.target) > (abs($1.weight), -$1.target) }.prefix(max(0, keep)))
            for (t, w) in kept.sorted(by: { $0.target < $1.target }) { targets.append(Int32(t)); weights.append(w) }
            offsets.append(targets.count)
        }
        self.init(offsets: offsets, targets: targets, weights: weights)
    }

    /// The same rows, with empty rows appended up to `itemCount` (items added to the catalogue
    /// score nothing through the model until it is fitted again).
    public func padded(to itemCount: Int) -> ItemItemWeights {
        guard itemCount > rowCount else { return self }
        return ItemItemWeights(
            offsets: offsets + [Int](repeating: targets.count, count: itemCount - rowCount), targets: targets,
            weights: weights)
    }

    /// Each row cut to its `keep` strongest weights (by magnitude; ties: lower target).
    public func keepingStrongest(_ keep: Int) -> ItemItemWeights {
        ItemItemWeights(rows: (0..<rowCount).map { j in row(j).map { (Int(targets[$0]), weights[$0]) } }, keep: keep)
    }

    public var rowCount: Int { offsets.count - 1 }
    public var entryCount: Int { targets.count }
    public func row(_ j: Int) -> Range<Int> { offsets[j]..<offsets[j + 1] }

    /// max_i |B[j, i]| for every row j (0 for an empty row).
    public func rowMaxima() -> [Float] {
        (0..<rowCount).map { j in row(j).reduce(Float(0)) { Swift.max($0, abs(weights[$1])) } }
    }

    /// The largest row length.
    public var widestRow: Int { zip(offsets, offsets.dropFirst()).map { $1 - $0 }.max() ?? 0 }

    /// A description of what is wrong with the rows for a catalogue of `itemCount`, or nil.
    public func validationError(itemCount: Int) -> String? {
        guard offsets.count == itemCount + 1 else { return "\(offsets.count - 1) rows for \(itemCount) items" }
        guard offsets.first == 0, offsets.last == targets.count, targets.count == weights.count else {
            return "offsets, targets and weights disagree"
        }
        for j in 0..<rowCount {
            guard offsets[j] <= offsets[j + 1] else { return "row offsets are not ascending" }
            var last = -1
            for e in row(j) {
                let t = Int(targets[e])
                guard t > last, t < itemCount else { return "row \(j): targets are not ascending item indices in the catalogue" }
                guard weights[e].isFinite else { return "row \(j): a non-finite weight" }
                last = t
            }
        }
        return nil
    }

    /// Σ over `history` (item indices, each counted once, in the given order) of the rows' weights,
    /// over the whole catalogue: the reference scoring.
    public func scores(history: [Int], itemCount: Int) -> [Float] {
        var out = [Float](repeating: 0, count: itemCount)
        for j in history where j >= 0 && j < rowCount {
            for e in row(j) { out[Int(targets[e])] += weights[e] }
        }
        return out
    }
}
