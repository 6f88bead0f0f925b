/// `CoordinatorMessage.query` — the sub-request every shard gets for every request — written and
/// read without protobuf-c (see `CanonicalProtobuf`): the bytes protobuf-c writes (tested byte for
/// byte); a frame the reader does not recognise as canonical, or one the general decoder would
/// refuse, goes to protobuf-c, so errors and their wording do not change.
enum ShardQueryCodec {
    static func encode(_ q: ShardQuery) -> [UInt8] {
        typealias W = CanonicalProtobuf.Writer
        let u32: (UInt32) -> UInt64 = { UInt64($0) }
        let clusters = W.packedPayload(q.clusterIDs, u32), excluded = W.packedPayload(q.excludeItems, u32)
        let ranking = W.packedPayload(q.rankingItems, u32)
        var body = 0
        if !q.requestID.utf8.isEmpty { body += W.size(ofField: 1, length: q.requestID.utf8.count) }
        if q.deadlineUnixMicros != 0 { body += 1 + CanonicalProtobuf.varintSize(q.deadlineUnixMicros) }
        if !q.modelVersion.utf8.isEmpty { body += W.size(ofField: 3, length: q.modelVersion.utf8.count) }
        if clusters > 0 { body += W.size(ofField: 4, length: clusters) }
        if !q.clusterWeights.isEmpty { body += W.size(ofField: 5, length: 4 * q.clusterWeights.count) }
        if excluded > 0 { body += W.size(ofField: 6, length: excluded) }
        if ranking > 0 { body += W.size(ofField: 7, length: ranking) }
        if q.voteBound != 0 { body += 5 }
        if q.itemItemBound != 0 { body += 5 }
        if q.k != 0 { body += 1 + CanonicalProtobuf.varintSize(UInt64(q.k)) }
        if q.shardCount != 0 { body += 1 + CanonicalProtobuf.varintSize(UInt64(q.shardCount)) }
        return W.envelope(bodySize: body) { w in
            w.text(1, q.requestID)
            w.uint(2, q.deadlineUnixMicros)
            w.text(3, q.modelVersion)
            w.packed(4, q.clusterIDs, payloadSize: clusters, u32)
            w.packedFloats(5, q.clusterWeights)
            w.packed(6, q.excludeItems, payloadSize: excluded, u32)
            w.packed(7, q.rankingItems, payloadSize: ranking, u32)
            w.float(8, q.voteBound)
            w.float(9, q.itemItemBound)
            w.uint(10, UInt64(q.k))
            w.uint(11, UInt64(q.shardCount))
        }
    }

    /// The query, when `bytes` is a canonical `CoordinatorMessage{protocol_version: 1, query}`
    /// within `limits` that the general decoder would accept; nil for anything else.
    static func decode(_ bytes: [UInt8], limits: WireLimits) -> ShardQuery? {
        CanonicalProtobuf.withBody(of: bytes, field: 2, limits: limits) { buffer, body -> ShardQuery? in
            var r = CanonicalProtobuf.Reader(buffer, range: body)
            var q = ShardQuery(requestID: "")
            func u32(_ v: UInt64) -> UInt32? { v <= UInt64(UInt32.max) ? UInt32(v) : nil }
            let float: (UnsafeRawPointer) -> Float = { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
            while !r.isAtEnd {
                guard let (field, wireType) = r.key() else { return nil }
                switch (field, wireType) {
                case (1, 2): guard let s = r.text(limit: limits.maxStringBytes) else { return nil }; q.requestID = s
                case (2, 0): guard let v = r.varint() else { return nil }; q.deadlineUnixMicros = v
                case (3, 2): guard let s = r.text(limit: limits.maxStringBytes) else { return nil }; q.modelVersion = s
                case (4, 2): guard let v = r.packed(limit: limits.maxClusters, u32) else { return nil }; q.clusterIDs = v
                case (5, 2): guard let v = r.packedFixed(width: 4, limit: limits.maxClusters, float) else { return nil }; q.clusterWeights = v
                case (6, 2): guard let v = r.packed(limit: limits.maxItems, u32) else { return nil }; q.excludeItems = v
                case (7, 2): guard let v = r.packed(limit: limits.maxHistory, u32) else { return nil }; q.rankingItems = v
                case (8, 5): guard let v = r.float() else { return nil }; q.voteBound = v
                case (9, 5): guard let v = r.float() else { return nil }; q.itemItemBound = v
                case (10, 0): guard let v = r.varint(), let k = u32(v) else { return nil }; q.k = k
                case (11, 0): guard let v = r.varint(), let n = u32(v) else { return nil }; q.shardCount = n
                default: return nil
                }
            }
            // What `ShardQuery.init` checks after unpacking: failing any of it, the general decoder answers.
            guard q.clusterWeights.count == q.clusterIDs.count, q.clusterWeights.allSatisfy(\.isFinite),
                q.voteBound.isFinite, q.voteBound >= 0, q.itemItemBound.isFinite, q.itemItemBound >= 0,
                Int(q.k) <= limits.maxResultItems
            else { return nil }
            return q
        }
    }
}
