import Foundation
import RecData
import RecInference
import RecMath

/// Decodes the sections of a model file and checks that they agree with each other.
struct ModelFileSections {
    let payloads: [String: ArraySlice<UInt8>]

    init(_ payloads: [String: ArraySlice<UInt8>]) { self.payloads = payloads }

    func reader(_ tag: String) -> ByteReader { ByteReader(payloads[tag]!, section: tag) }

    /// The model, its sections decoded and checked in file order (CONF, ITEM, FEAT, ATTR, ENCW,
    /// SHRT, POPL, BIAS, IIMD), so a file with several faults reports the first.
    func model() throws(ModelFileError) -> RecommenderModel {
        let configuration = try self.configuration()
        let items = try self.items()
        let features = try itemFeatures(itemCount: items.count)
        let attributes = try self.attributes()
        let parameters = try encoderParameters(configuration: configuration, features: features, attributes: attributes)
        let shortlists = try Self.shortlists(payloads["SHRT"]!, clusters: configuration.clusters, itemCount: items.count)
        var r = reader("POPL")
        let popularity = try r.ints(below: items.count, what: "item index")
        try finish(r)
        let itemBias = try Self.itemBias(payloads["BIAS"], configuration: configuration, itemCount: items.count)
        let itemModel = try Self.itemModel(payloads["IIMD"], configuration: configuration, itemCount: items.count)
        return RecommenderModel(
            configuration: configuration, items: items, itemFeatures: features, attributes: attributes,
            parameters: parameters, shortlists: shortlists, popularity: popularity, itemBias: itemBias,
            itemModel: itemModel)
    }

    /// The CONF section: the model's configuration, which must pass its own validation.
    private func configuration() throws(ModelFileError) -> ModelConfiguration {
        let configuration = try ModelFile.decodedConfiguration(payloads["CONF"]!)
        if let problem = configuration.validationError() { throw .malformed(section: "CONF", reason: problem) }
        return configuration
    }

    /// The ITEM section: the catalogue's item IDs, distinct, in index order.
    private func items() throws(ModelFileError) -> IDMap {
        var r = reader("ITEM")
        let itemCount = try r.count(elementSize: 4)
        var items = IDMap()
        for _ in 0..<itemCount { items.insert(try r.string()) }
        guard items.count == itemCount else { throw .malformed(section: "ITEM", reason: "duplicate item IDs") }
        try finish(r)
        return items
    }

    /// The FEAT section: the genre vocabulary, each item's genres and its year (one row per item).
    private func itemFeatures(itemCount: Int) throws(ModelFileError) -> ItemFeatures {
        var r = reader("FEAT")
        let genreCount = try r.count(elementSize: 4)
        var genres = IDMap()
        for _ in 0..<genreCount { genres.insert(try r.string()) }
        let rows = try r.count(elementSize: 4)
        guard rows == itemCount else { throw .malformed(section: "FEAT", reason: "\(rows) feature rows for \(itemCount) items") }
        var itemGenres: [[Int]] = []
        for _ in 0..<rows { itemGenres.append(try r.ints(below: genreCount, what: "genre index")) }
        let years = try r.floats()
        guard years.count == itemCount else { throw .malformed(section: "FEAT", reason: "year count differs from item count") }
        try finish(r)
        return ItemFeatures(
            genreVocabulary: genres, genres: itemGenres, years: years,
            titles: Array(repeating: "", count: itemCount))
    }

    /// The ATTR section: the user attribute columns, each with a non-empty vocabulary.
    private func attributes() throws(ModelFileError) -> UserAttributes {
        var r = reader("ATTR")
        var names: [String] = [], vocabularies: [IDMap] = []
        for _ in 0..<(try r.count(elementSize: 8)) {
            names.append(try r.string())
            var vocab = IDMap()
            for _ in 0..<(try r.count(elementSize: 4)) { vocab.insert(try r.string()) }
            guard vocab.count > 0 else { throw .malformed(section: "ATTR", reason: "empty vocabulary for \(names.last!)") }
            vocabularies.append(vocab)
        }
        try finish(r)
        return UserAttributes(columnNames: names, vocabularies: vocabularies)
    }

    /// The ENCW section: the encoder's tensors, finite, each named once, with exactly the names and
    /// shapes the configuration, features and attributes give an encoder.
    private func encoderParameters(
        configuration: ModelConfiguration, features: ItemFeatures,
        attributes: UserAttributes
    ) throws(ModelFileError) -> ParameterSet {
        var r = reader("ENCW")
        var parameters = ParameterSet()
        for _ in 0..<(try r.count(elementSize: 16)) {
            let name = try r.string()
            let rowCount = Int(try r.u32()), colCount = Int(try r.u32())
            let values = try r.floats()
            guard !parameters.contains(name), let m = Matrix(rows: rowCount, cols: colCount, values: values) else {
                throw .malformed(section: "ENCW", reason: "tensor \(name) has a bad shape or is repeated")
            }
            guard m.isFinite else { throw .malformed(section: "ENCW", reason: "tensor \(name) holds a non-finite value") }
            parameters.add(name, m)
        }
        try finish(r)
        let encoder = Encoder(
            configuration: configuration, features: features,
            attributeVocabularySizes: attributes.vocabularies.map(\.count))
        var seed = SeededRandom(seed: 0)
        let expected = encoder.initialParameters(rng: &seed)
        guard expected.names == parameters.names,
            zip(expected.tensors, parameters.tensors).allSatisfy({ $0.rows == $1.rows && $0.cols == $1.cols })
        else {
            throw .malformed(section: "ENCW", reason: "tensor names or shapes do not match the configuration")
        }
        return parameters
    }

    /// The SHRT section, checked: K + 1 ascending offsets, item indices in the catalogue, finite scores.
    static func shortlists(_ payload: ArraySlice<UInt8>, clusters: Int, itemCount: Int) throws(ModelFileError) -> Shortlists {
        var r = ByteReader(payload, section: "SHRT")
        let offsets = try r.ints(below: Int(UInt32.max), what: "offset")
        let listItems = try r.ints(below: itemCount, what: "item index")
        let scores = try r.floats()
        guard r.atEnd else { throw .malformed(section: "SHRT", reason: "\(r.remaining) trailing bytes") }
        guard offsets.count == clusters + 1, offsets.first == 0, offsets.last == listItems.count,
            zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }), scores.count == listItems.count,
            scores.allSatisfy(\.isFinite)
        else {
            throw .malformed(section: "SHRT", reason: "offsets, items and scores disagree")
        }
        return Shortlists(offsets: offsets, items: listItems.map(Int32.init), scores: scores)
    }

    /// The BIAS section (absent: no item bias), checked against the configuration and the catalogue.
    static func itemBias(_ payload: ArraySlice<UInt8>?, configuration: ModelConfiguration, itemCount: Int) throws(ModelFileError) -> [Float] {
        var itemBias: [Float] = []
        if let payload {
            var r = ByteReader(payload, section: "BIAS")
            itemBias = try r.floats()
            guard r.atEnd else { throw .malformed(section: "BIAS", reason: "\(r.remaining) trailing bytes") }
            guard itemBias.count == itemCount else {
                throw .malformed(section: "BIAS", reason: "\(itemBias.count) item biases for \(itemCount) items")
            }
            guard itemBias.allSatisfy(\.isFinite) else { throw .malformed(section: "BIAS", reason: "a non-finite item bias") }
        }
        if configuration.itemBias && itemBias.isEmpty { throw .missingSection("BIAS") }
        if !configuration.itemBias && !itemBias.isEmpty { throw .malformed(section: "BIAS", reason: "the configuration has no item bias") }
        return itemBias
    }

    /// The IIMD section (the item–item model), checked; required by the two-stage ranking.
    static func itemModel(
        _ payload: ArraySlice<UInt8>?, configuration: ModelConfiguration,
        itemCount: Int
    ) throws(ModelFileError) -> ItemItemWeights? {
        var itemModel: ItemItemWeights? = nil
        if let payload {
            var r = ByteReader(payload, section: "IIMD")
            let offsets = try r.ints(below: Int(UInt32.max), what: "offset")
            let targets = try r.ints(below: itemCount, what: "item index")
            let weights = try r.floats()
            guard r.atEnd else { throw .malformed(section: "IIMD", reason: "\(r.remaining) trailing bytes") }
            let model = ItemItemWeights(offsets: offsets, targets: targets.map(Int32.init), weights: weights)
            if let problem = model.validationError(itemCount: itemCount) { throw .malformed(section: "IIMD", reason: problem) }
            itemModel = model
        }
        if configuration.ranking == .twoStage && itemModel == nil { throw .missingSection("IIMD") }
        return itemModel
    }

    func finish(_ r: ByteReader) throws(ModelFileError) {
        guard r.atEnd else { throw .malformed(section: r.section, reason: "\(r.remaining) trailing bytes") }
    }
}
