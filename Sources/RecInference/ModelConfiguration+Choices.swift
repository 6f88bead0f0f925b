import RecVote

/// The choices among the settings of `ModelConfiguration`: each is stored in the model file by its raw value.
extension ModelConfiguration {
    public enum Ranking: String, Codable, CaseIterable, Sendable {
        /// By the cluster vote alone.
        case vote
        /// By the item–item score of the history, blended with the vote (`voteWeight`).
        case twoStage = "two-stage"
    }

    public enum BlendScale: String, Codable, CaseIterable, Sendable {
        /// Each term by its largest magnitude over the pool: needs the whole pool in one place.
        case poolMaximum = "pool-max"
        /// Each term by a bound known before any candidate is scored: the vote by the largest
        /// value the top clusters can give it (`RecommenderModel.blendBounds`), the item–item
        /// score by Σ over the history rows of max |B_j·|. A shard that owns part of the pool
        /// ranks its part exactly as the whole pool would.
        case bound
    }

    public enum WindowRule: String, Codable, CaseIterable, Sendable {
        /// Keep the W most recent interactions (by timestamp, then file order).
        case recent
        /// Keep the W highest-rated interactions (ties: most recent).
        case topRated = "top-rated"
    }

    public enum InputMode: String, Codable, CaseIterable, Sendable {
        /// y = normalised rating in [-1, 1]; dislikes pull away.
        case signed
        /// y = 1 for liked interactions, others ignored (binarised input).
        case liked
    }

    public enum Objective: String, Codable, CaseIterable, Sendable {
        /// Self-supervised triplets: two disjoint halves of one history (the paper).
        case triplet
        /// Triplets supervised by the user's dominant genre (the authors' notebook).
        case supervised
        /// Recommendation-aware: clusters from one half predict the other half through K × items.
        case recommend
        /// `recommend` plus a weighted self-supervised triplet term.
        case recommendTriplet = "recommend-triplet"

        public var usesDecoder: Bool { self == .recommend || self == .recommendTriplet }
    }

    public enum DecoderLoss: String, Codable, CaseIterable, Sendable {
        /// Softmax over every item for every example (cost batch × K × items).
        case full
        /// Softmax over the batch's targets, the teacher's picks and sampled negatives, logQ-corrected.
        case sampled
    }

    public enum TripletSpace: String, Codable, CaseIterable, Sendable {
        case clusters
        case profile
    }

    public enum ClusterActivation: String, Codable, CaseIterable, Sendable {
        case sigmoid
        case softmax
    }

    public enum ShortlistRanking: String, Codable, CaseIterable, Sendable {
        /// The cluster's lift over the item's popularity, D_ic.
        case lift
        /// The cluster's full logit for the item, D_ic + β_i.
        case logit
    }

    public enum ShortlistSource: String, Codable, CaseIterable, Sendable {
        /// Rows of the learned K × items decoder (recommendation objectives only).
        case weights
        /// Counted over training users' cluster memberships; rebuildable from fresh logs.
        case members
    }

    public enum ShortlistAggregation: String, Codable, CaseIterable, Sendable {
        /// Mean of s_uc · y_ui over the members who liked the item (the notebook).
        case mean
        /// Sum over those members.
        case sum
        /// Sum / (likers + smoothing).
        case smoothed
        /// Sum / total membership weight of the cluster ≈ P(like | cluster).
        case membership
        /// P(like | cluster) · log(P(like | cluster) / P(like)): how much more the cluster likes the
        /// item than everyone does, weighted by how often it does (what is merely popular overall
        /// scores near 0; a rare item liked by one member scores little).
        case lift
    }

    public typealias VoteReduction = RecVote.VoteReduction
}

/// How the item–item model is fitted (see `ItemItemFit` in RecTraining).
public enum ItemItemMethod: String, Codable, CaseIterable, Sendable {
    case ease
    case neighbourhood
    case auto
}
