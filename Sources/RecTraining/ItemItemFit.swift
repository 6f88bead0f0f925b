import Foundation
import RecData
import RecInference
import RecMath

/// Fits the sparse item–item model B of the two-stage ranking from the training log, over the
/// whole catalogue, every item keeping its N strongest outgoing weights (by magnitude: the
/// negative weights carry part of the accuracy).
///
/// EASE (Steck, 2019) decouples by column: column i of B is the ridge regression of item i's
/// binary user vector on the other items' vectors, b_i = (G₋ᵢ₋ᵢ + λI)⁻¹ G₋ᵢ,ᵢ with G = XᵀX. Two ways
/// to fit it:
/// - `ease`: the closed form over the whole catalogue (one dense items × items inverse, then each
///   row cut to N); exact, but items² memory and items³ time.
/// - `neighbourhood`: each column's regression restricted to the M items that co-occur with it
///   most (EASE restricted to a neighbourhood, as in SLIM's and LOCA's local models): an M × M
///   solve per item, any catalogue size. G comes from sparse co-occurrence counts (Σ over users of
///   |history|² pairs), kept whole within `Settings.cooccurrenceBudget`, else each item's strongest
///   (at least 2M) with a pair neither item keeps counted as 0.
/// - `auto`: `ease` up to `denseLimit` items, `neighbourhood` above.
public enum ItemItemFit {
    public typealias Method = ItemItemMethod

    /// The largest catalogue EASE's closed form is fitted on (the inverse holds n² floats: 6.4 GB).
    public static let maxDenseItems = 40_000

    public struct Settings: Sendable, Equatable {
        public var method: Method = .auto
        public var lambda: Float = 500
        /// N: weights kept per row (per history item).
        public var neighbours = 100
        /// M: regressors per item for `neighbourhood`.
        public var support = 256
        /// `neighbourhood`: co-occurrences kept over all items (8 bytes each). Within it every item
        /// keeps all of its, so each support's Gram is exact; beyond it each item keeps its
        /// strongest `budget / items` (at least 2M), and a pair neither item keeps counts as 0
        /// (measured on MovieLens-1M: truncating to 2M per item cost the fit most of its accuracy).
        public var cooccurrenceBudget = 50_000_000
        /// `auto` fits EASE's closed form up to this many items (a 30,000-item inverse holds 3.6 GB
        /// and takes minutes; the neighbourhood fit does not yet reach EASE's accuracy on dense logs).
        public var denseLimit = 30_000
        public var threads = 1
        public init() {}

        /// The method `auto` resolves to for a catalogue of `itemCount`.
        public func resolvedMethod(itemCount: Int) -> Method {
            method == .auto ? (itemCount <= denseLimit ? .ease : .neighbourhood) : method
        }
    }

    /// The model over `log`'s whole catalogue from `users` (all when nil); every interaction
    /// counts as 1, as in the EASE baseline.
    public static func fit(
        log: InteractionLog, users: [Int]? = nil, settings: Settings,
        status: ((String) -> Void)? = nil
    ) throws(MathError) -> ItemItemWeights {
        let n = log.items.count
        switch settings.resolvedMethod(itemCount: n) {
        case .ease, .auto:
            guard n <= maxDenseItems else {
                throw .tooLarge(
                    "the item-item model's EASE fit needs a dense \(n) × \(n) inverse; above \(maxDenseItems) items use "
                        + "--item-model-method neighbourhood (or auto)")
            }
            status?("item-item model: EASE over all \(n) items (a \(n) × \(n) inverse), \(settings.neighbours) weights kept per item")
            return try denseEASE(log: log, users: users, settings: settings)
        case .neighbourhood:
            status?(
                "item-item model: \(n) ridge regressions on each item's \(settings.support) most co-occurring items, "
                    + "\(settings.neighbours) weights kept per item")
            return try neighbourhood(log: log, users: users, settings: settings, status: status)
        }
    }

    static func denseEASE(log: InteractionLog, users: [Int]?, settings: Settings) throws(MathError) -> ItemItemWeights {
        let n = log.items.count
        let ease = try EASE(
            log: log, users: users, lambda: settings.lambda, scale: RatingScale.implicitFeedback, likedOnly: false,
            maxItems: max(1, n), threads: settings.threads)
        let fitted = ease.fittedItems
        var rows = [[(target: Int, weight: Float)]](repeating: [], count: n)
        let m = fitted.count
        ease.weights.values.withUnsafeBufferPointer { w in
            rows.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress!
                Parallel.forEachChunk(m, threads: settings.threads, minimumChunk: 64) { range in
                    for r in range {
                        var heap = TopK.BoundedHeap(k: settings.neighbours)
                        for c in 0..<m where c != r && w[r * m + c] != 0 { heap.offer((c, abs(w[r * m + c]))) }
                        base[fitted[r]] = heap.sorted().map { (fitted[$0.index], w[r * m + $0.index]) }
                    }
                }
            }
        }
        return ItemItemWeights(rows: rows, keep: settings.neighbours)
    }
}
