/// Counts the entries of each repeated field in an envelope's body *before* protobuf-c unpacks it,
/// so a well-formed frame of millions of empty `item_ids` is refused in one pass over its bytes,
/// without protobuf-c allocating a pointer (and a string) per entry. The limits are the
/// same `WireLimits` the decoders check after unpacking, and the error is the same one.
enum RepeatedFieldLimits {
    /// How one repeated field's entries are counted.
    enum Encoding: Sendable {
        /// One entry per occurrence (strings, messages, unpacked scalars).
        case perOccurrence
        /// A packed run of fixed-width values (float: 4, double: 8).
        case packedFixed(width: Int)
        /// A packed run of varints (uint32, sint64).
        case packedVarint
    }

    /// Which of `WireLimits`' counts bounds a field.
    enum Limit: Sendable {
        case history, attributes, clusters, items, resultItems, filterItems, filterConditions

        func value(in limits: WireLimits) -> Int {
            switch self {
            case .history: return limits.maxHistory
            case .attributes: return limits.maxAttributes
            case .clusters: return limits.maxClusters
            case .items: return limits.maxItems
            case .resultItems: return limits.maxResultItems
            case .filterItems: return limits.maxFilterItems
            case .filterConditions: return limits.maxFilterConditions
            }
        }
    }

    struct Field: Sendable {
        var name: String
        var encoding: Encoding
        var limit: Limit
    }

    /// One body's repeated fields, indexed by field number (built once, so a frame costs only the
    /// scan: no hashing or allocation per entry).
    struct Body: Sendable {
        /// `fields[n]` describes field number n (nil: not a counted repeated field).
        let fields: [Field?]

        init(_ byNumber: [Int: Field]) {
            var fields = [Field?](repeating: nil, count: (byNumber.keys.max() ?? 0) + 1)
            for (n, field) in byNumber { fields[n] = field }
            self.fields = fields
        }

        func field(_ number: UInt64) -> Field? { number < UInt64(fields.count) ? fields[Int(number)] : nil }
    }

    /// envelope field number of a body → how to count that body's repeated fields.
    typealias Schema = [UInt64: Body]

    static let clientMessage: Schema = [
        2: Body([
            2: Field(name: "item_ids", encoding: .perOccurrence, limit: .history),
            3: Field(name: "ratings", encoding: .packedFixed(width: 4), limit: .history),
            4: Field(name: "timestamps", encoding: .packedFixed(width: 8), limit: .history),
            5: Field(name: "attribute_names", encoding: .perOccurrence, limit: .attributes),
            6: Field(name: "attribute_values", encoding: .perOccurrence, limit: .attributes),
            10: Field(name: "exclude_item_ids", encoding: .perOccurrence, limit: .filterItems),
            11: Field(name: "allow_item_ids", encoding: .perOccurrence, limit: .filterItems),
            12: Field(name: "item_conditions", encoding: .perOccurrence, limit: .filterConditions)
        ]),
        5: Body([
            2: Field(name: "item_ids", encoding: .perOccurrence, limit: .filterItems)
        ])
    ]
    static let coordinatorMessage: Schema = [
        2: Body([
            4: Field(name: "cluster_ids", encoding: .packedVarint, limit: .clusters),
            5: Field(name: "cluster_weights", encoding: .packedFixed(width: 4), limit: .clusters),
            6: Field(name: "exclude_items", encoding: .packedVarint, limit: .items),
            7: Field(name: "ranking_items", encoding: .packedVarint, limit: .history)
        ])
    ]
    static let workerMessage: Schema = [
        2: Body([
            5: Field(name: "items", encoding: .packedVarint, limit: .resultItems),
            8: Field(name: "scores", encoding: .packedFixed(width: 4), limit: .resultItems)
        ])
    ]

    /// The first repeated field over its limit (in field order, with its full count), as the
    /// decoder's `tooLarge` error, or nil. Frames too damaged to scan are left to the decoder
    /// (which refuses them as malformed). Counts are per body occurrence, as protobuf-c keeps only
    /// the last occurrence of a oneof member.
    static func firstExcess(in bytes: [UInt8], schema: Schema, limits: WireLimits) -> WireError? {
        var envelope = WireScanner(bytes[...])
        while let (field, wireType) = envelope.key() {
            guard wireType == 2, let table = schema[field] else {
                guard envelope.skip(wireType: wireType) else { return nil }
                continue
            }
            guard let body = envelope.lengthDelimited() else { return nil }
            var counts = [Int](repeating: 0, count: table.fields.count)
            var inner = WireScanner(body)
            while let (f, t) = inner.key() {
                guard let spec = table.field(f) else {
                    guard inner.skip(wireType: t) else { return nil }
                    continue
                }
                let added: Int
                switch (spec.encoding, t) {
                case (.packedFixed(let width), 2):
                    guard let run = inner.lengthDelimited() else { return nil }
                    added = run.count / width
                case (.packedVarint, 2):
                    guard let run = inner.lengthDelimited() else { return nil }
                    added = run.reduce(0) { $0 + ($1 & 0x80 == 0 ? 1 : 0) }  // one terminating byte per varint
                default:
                    guard inner.skip(wireType: t) else { return nil }
                    added = 1
                }
                counts[Int(f)] += added
            }
            for (n, spec) in table.fields.enumerated() {
                guard let spec else { continue }
                let limit = spec.limit.value(in: limits)
                if counts[n] > limit { return .tooLarge(field: spec.name, count: counts[n], limit: limit) }
            }
        }
        return nil
    }
}
