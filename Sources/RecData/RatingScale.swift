/// How raw ratings map to the normalised signal y ∈ [-1, 1] the model aggregates
///: y = (r − neutral) / halfRange, clipped; implicit feedback gives y = 1.
/// "Liked" means a raw rating ≥ `likeThreshold`. A log that mixes explicit ratings with
/// interactions that carry no rating (Book-Crossing's 0 next to 1–10) names that value `unrated`:
/// such an interaction is an implicit like (y = 1), and the scale is inferred from the other values.
public struct RatingScale: Codable, Equatable, Sendable {
    public var neutral: Float
    public var halfRange: Float
    public var likeThreshold: Float
    public var implicit: Bool
    /// The raw value that marks an interaction without a rating, if any.
    public var unrated: Float?

    public init(neutral: Float, halfRange: Float, likeThreshold: Float, implicit: Bool = false, unrated: Float? = nil) {
        self.neutral = neutral
        self.halfRange = halfRange
        self.likeThreshold = likeThreshold
        self.implicit = implicit
        self.unrated = unrated
    }

    /// Implicit feedback (clicks, plays, purchases): every interaction is a like with y = 1, whatever
    /// its value. All fields are finite, so the scale is stored in the model file's JSON like any
    /// other; `likeThreshold` is only informative here (`isLiked` is always true).
    public static let implicitFeedback = RatingScale(neutral: 0, halfRange: 1, likeThreshold: 0, implicit: true)

    /// The documented default: implicit when all ratings are equal, otherwise neutral = the middle of
    /// the observed range, halfRange = half its width, liked = above neutral by half a halfRange
    /// (1–5 stars → y = (r − 3) / 2, liked ≥ 4).
    /// With `unrated`, that value is left out of the range (and marks implicit likes); with
    /// `likeThreshold`, it replaces the inferred one.
    public static func inferred(from ratings: [Float], unrated: Float? = nil, likeThreshold: Float? = nil) -> RatingScale {
        var low = Float.infinity, high = -Float.infinity
        for r in ratings where r != unrated { low = min(low, r); high = max(high, r) }
        guard high > low else { return .implicitFeedback }
        let neutral = (low + high) / 2
        let half = (high - low) / 2
        return RatingScale(neutral: neutral, halfRange: half, likeThreshold: likeThreshold ?? neutral + half / 2, unrated: unrated)
    }

    @inline(__always)
    public func normalized(_ rating: Float) -> Float {
        if implicit || rating == unrated { return 1 }
        return min(1, max(-1, (rating - neutral) / halfRange))
    }

    /// Every field finite (a JSON encoder refuses NaN and ±∞).
    public var isFinite: Bool { neutral.isFinite && halfRange.isFinite && likeThreshold.isFinite && (unrated?.isFinite ?? true) }

    @inline(__always)
    public func isLiked(_ rating: Float) -> Bool { implicit || rating >= likeThreshold || rating == unrated }
}
