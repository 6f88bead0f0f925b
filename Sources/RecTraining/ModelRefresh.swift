import RecData
import RecInference
import RecMath

/// Fresh shortlists without retraining: the trained encoder places every user of a new
/// interaction log in their top-C clusters, and each cluster's shortlist is counted again from what
/// its members liked (P(like | cluster)), scaled by the new cluster sizes; the
/// popularity list is counted from the same log. The encoder, items and item vectors stay as they
/// are, so the refreshed model is served and rolled out like any other version. Costs one encoder
/// pass per user of the log — no training.
public enum ModelRefresh {
    public struct Summary: Sendable, Equatable {
        public var users = 0
        public var interactions = 0
        /// Interactions with items the model's catalogue lacks (skipped), and how many such items.
        public var unknownInteractions = 0
        public var unknownItems = 0
        /// Users whose profile was empty (no known item): they shape no shortlist.
        public var emptyProfiles = 0
        /// Items added to the catalogue from their features (`newItems`).
        public var addedItems = 0
    }

    /// `userAttributes[u]`, when given, are the encoded attributes of the log's user u. Items of
    /// `newItems` the catalogue lacks are added first (`adding`), so the fresh log's likes of them
    /// count.
    /// `progress` hears (users assigned to clusters, users) every 1,000 users and at the end.
    public static func refresh(
        _ model: RecommenderModel, log: InteractionLog, userAttributes: [[Int]]? = nil,
        newItems: ItemFeatureTable? = nil, progress: ((Int, Int) -> Void)? = nil
    ) -> (model: RecommenderModel, summary: Summary) {
        var added = 0
        var model = model
        if let newItems { (model, added) = adding(newItems, to: model) }
        var c = model.configuration
        c.shortlistSource = .members
        var summary = Summary(users: log.users.count, interactions: log.interactionCount)
        summary.addedItems = added
        // The log's item indices in the model's catalogue (nil: unknown to the model).
        let toModel = (0..<log.items.count).map { model.itemLookup.index(of: log.items[$0]) }
        summary.unknownItems = toModel.filter { $0 == nil }.count
        let histories = (0..<log.users.count).map { u -> UserHistory in
            let h = log.history(of: u)
            var items: [Int] = [], ratings: [Float] = [], times: [Double] = []
            for k in 0..<h.count {
                guard let i = toModel[h.items[k]] else { summary.unknownInteractions += 1; continue }
                items.append(i); ratings.append(h.ratings[k]); times.append(h.timestamps[k])
            }
            return UserHistory(items: items, ratings: ratings, timestamps: times)
        }
        let (memberships, sizes) = assignToClusters(
            histories, model: model, configuration: c, userAttributes: userAttributes, summary: &summary, progress: progress)
        var shortlists = Shortlists.fromMembers(
            memberships: memberships, histories: { histories[$0] },
            itemCount: model.items.count, clusterCount: c.clusters, scale: c.ratingScale,
            aggregation: c.shortlistAggregation, smoothing: c.smoothing, length: c.shortlistLength)
        if c.clusterSizeExponent > 0 {
            shortlists = shortlists.scaled(by: ModelBuilder.clusterSizeFactors(sizes: sizes, exponent: c.clusterSizeExponent))
        }
        var liked = [Float](repeating: 0, count: model.items.count)
        for h in histories {
            for k in 0..<h.count where c.ratingScale.isLiked(h.ratings[k]) { liked[h.items[k]] += 1 }
        }
        // Items nobody liked in the fresh log keep their old order after the liked ones.
        var popularity = TopK.select(liked, k: min(1_000, model.items.count)).filter { liked[$0.index] > 0 }.map(\.index)
        let listed = Set(popularity)
        for i in model.popularity where popularity.count < 1_000 && !listed.contains(i) { popularity.append(i) }
        let refreshed = RecommenderModel(
            configuration: c, items: model.items, itemFeatures: model.itemFeatures,
            attributes: model.attributes, parameters: model.parameters,
            shortlists: shortlists, popularity: popularity, itemBias: model.itemBias,
            itemModel: model.itemModel)
        return (refreshed, summary)
    }

    /// The model with the items of `table` it lacks appended to its catalogue: their vectors come
    /// from the item tower — their genres (those of the model's vocabulary) and year, with a zero
    /// learned embedding, as an item nobody interacted with in training — and their bias is the
    /// catalogue's mean. Existing items keep their vectors bit for bit: the year normalisation is
    /// pinned first when the model file predates pinning.
    public static func adding(_ table: ItemFeatureTable, to model: RecommenderModel) -> (model: RecommenderModel, added: Int) {
        var ids = model.items
        var features = model.itemFeatures
        var genreIndex: [String: Int] = [:]
        for (k, g) in features.genreVocabulary.ids.enumerated() { genreIndex[g] = k }
        var added = 0
        for (row, id) in table.ids.enumerated() where model.itemLookup.index(of: id) == nil && ids.index(of: id) == nil {
            ids.insert(id)
            features.genres.append(table.genres[row].compactMap { genreIndex[$0] })
            features.years.append(table.years[row] ?? .nan)
            features.titles.append(table.titles[row])
            added += 1
        }
        guard added > 0 else { return (model, 0) }
        var c = model.configuration
        c.yearNormalization = c.yearNormalization ?? .fit(model.itemFeatures.years)
        var parameters = model.parameters
        var embedding = parameters["item.embedding"]
        embedding.values += [Float](repeating: 0, count: added * embedding.cols)
        embedding.rows += added
        parameters["item.embedding"] = embedding
        let meanBias = model.itemBias.isEmpty ? 0 : model.itemBias.reduce(0, +) / Float(model.itemBias.count)
        let bias = model.itemBias.isEmpty ? [] : model.itemBias + [Float](repeating: meanBias, count: added)
        let grown = RecommenderModel(
            configuration: c, items: ids, itemFeatures: features, attributes: model.attributes,
            parameters: parameters, shortlists: model.shortlists, popularity: model.popularity, itemBias: bias,
            itemModel: model.itemModel?.padded(to: ids.count))
        return (grown, added)
    }

    /// Each user's top clusters under the trained encoder, and how many users each cluster has.
    private static func assignToClusters(
        _ histories: [UserHistory], model: RecommenderModel, configuration c: ModelConfiguration, userAttributes: [[Int]]?,
        summary: inout Summary, progress: ((Int, Int) -> Void)?
    ) -> (memberships: [[(index: Int, score: Float)]], sizes: [Int]) {
        let none = model.attributes.encode(nil)
        var sizes = [Int](repeating: 0, count: c.clusters)
        var memberships: [[(index: Int, score: Float)]] = []
        memberships.reserveCapacity(histories.count)
        for (u, h) in histories.enumerated() {
            let input = ProfileInput.from(history: h, attributes: userAttributes?[u] ?? none, configuration: c)
            if input.isEmpty {
                summary.emptyProfiles += 1
                memberships.append([])
            } else {
                let top = model.topClusters(model.clusterActivations(input))
                for (k, _) in top { sizes[k] += 1 }
                memberships.append(top)
            }
            if (u + 1) % 1_000 == 0 || u + 1 == histories.count { progress?(u + 1, histories.count) }
        }
        return (memberships, sizes)
    }
}
