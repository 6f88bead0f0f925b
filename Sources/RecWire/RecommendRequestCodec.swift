/// `ClientMessage.recommend` — every request's first frame — read in Swift when it is in
/// protobuf's canonical form (see `CanonicalProtobuf`): no per-string allocation in protobuf-c, no
/// separate pre-scans. Anything else, including every invalid request, is left to protobuf-c, so
/// errors and their wording do not change.
enum RecommendRequestCodec {
    /// item_ids, attribute_names, attribute_values, exclude_item_ids, allow_item_ids, item_conditions.
    static let repeatedStrings = [2, 5, 6, 10, 11, 12]

    static func decode(_ bytes: [UInt8], limits: WireLimits) -> RecommendRequest? {
        CanonicalProtobuf.withBody(of: bytes, field: 2, limits: limits) { request($0, $1, limits: limits) }
    }

    @inline(__always) private static func littleEndianFloat(_ p: UnsafeRawPointer) -> Float {
        Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
    }

    @inline(__always) private static func littleEndianDouble(_ p: UnsafeRawPointer) -> Double {
        Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
    }

    private static func request(_ buffer: UnsafeBufferPointer<UInt8>, _ body: Range<Int>, limits: WireLimits) -> RecommendRequest? {
        var r = CanonicalProtobuf.Reader(buffer, range: body)
        var out = RecommendRequest(requestID: "", k: 0)  // proto3: an absent k is 0
        var names: [String] = [], values: [String] = []
        while !r.isAtEnd {
            // Repeated strings come one field each, consecutively: the same number may repeat.
            guard let (field, wireType) = r.key(repeating: repeatedStrings) else { return nil }
            switch (field, wireType) {
            case (1, 2): guard let s = r.text(limit: limits.maxStringBytes) else { return nil }; out.requestID = s
            case (2, 2):
                guard out.itemIDs.count < limits.maxHistory, let s = r.text(limit: limits.maxStringBytes) else { return nil }
                if out.itemIDs.isEmpty { out.itemIDs.reserveCapacity(min(limits.maxHistory, body.count / 2)) }
                out.itemIDs.append(s)
            case (3, 2): guard let v = r.packedFixed(width: 4, limit: limits.maxHistory, littleEndianFloat) else { return nil }; out.ratings = v
            case (4, 2): guard let v = r.packedFixed(width: 8, limit: limits.maxHistory, littleEndianDouble) else { return nil }; out.timestamps = v
            case (5, 2):
                guard names.count < limits.maxAttributes, let s = r.text(limit: limits.maxStringBytes) else { return nil }
                names.append(s)
            case (6, 2):
                guard values.count < limits.maxAttributes, let s = r.text(limit: limits.maxStringBytes) else { return nil }
                values.append(s)
            case (7, 0): guard let v = r.varint(), v <= UInt64(UInt32.max) else { return nil }; out.k = UInt32(v)
            case (8, 0): guard let v = r.varint() else { return nil }; out.deadlineUnixMicros = v
            case (9, 2): guard let s = r.text(limit: limits.maxStringBytes) else { return nil }; out.modelVersion = s
            case (10, 2):
                guard out.excludeItemIDs.count < limits.maxFilterItems, let s = r.text(limit: limits.maxStringBytes) else { return nil }
                out.excludeItemIDs.append(s)
            case (11, 2):
                guard out.allowItemIDs.count < limits.maxFilterItems, let s = r.text(limit: limits.maxStringBytes) else { return nil }
                out.allowItemIDs.append(s)
            case (13, 0): guard let v = r.varint() else { return nil }; out.explain = v != 0
            case (12, 2):
                guard out.itemConditions.count < limits.maxFilterConditions, let s = r.text(limit: limits.maxStringBytes) else { return nil }
                out.itemConditions.append(s)
            default: return nil
            }
        }
        out.attributeNames = names
        out.attributeValues = values
        // What the general decoder checks after unpacking; a request failing any of it is left to
        // that decoder, which refuses it with its usual error.
        guard out.ratings.count == out.itemIDs.count,
            out.timestamps.isEmpty || out.timestamps.count == out.itemIDs.count,
            names.count == values.count,
            out.ratings.allSatisfy({ $0.isFinite }), out.timestamps.allSatisfy({ $0.isFinite })
        else { return nil }
        return out
    }
}
