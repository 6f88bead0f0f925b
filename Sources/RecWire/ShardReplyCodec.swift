/// `WorkerMessage.reply` — the largest frame on the hot path (every voted item's partial sum) —
/// written and read without protobuf-c (see `CanonicalProtobuf`). The bytes are the ones protobuf-c
/// writes; a frame the reader does not recognise as canonical goes to the general decoder.
enum ShardReplyCodec {
    static func encode(_ r: ShardReply) -> [UInt8] {
        typealias W = CanonicalProtobuf.Writer
        let u32: (UInt32) -> UInt64 = { UInt64($0) }
        let zigzag: (Int64) -> UInt64 = { CanonicalProtobuf.zigzag($0) }
        let clusters = W.packedPayload(r.answeredClusters, u32), items = W.packedPayload(r.items, u32)
        let sums = W.packedPayload(r.sums, zigzag), counts = W.packedPayload(r.counts, u32)
        var body = 0
        if !r.requestID.utf8.isEmpty { body += W.size(ofField: 1, length: r.requestID.utf8.count) }
        if !r.modelVersion.utf8.isEmpty { body += W.size(ofField: 2, length: r.modelVersion.utf8.count) }
        if r.shard != 0 { body += 1 + CanonicalProtobuf.varintSize(UInt64(r.shard)) }
        for (field, n) in [(4, clusters), (5, items), (6, sums), (7, counts)] where n > 0 { body += W.size(ofField: field, length: n) }
        let total = 1 + CanonicalProtobuf.varintSize(UInt64(WireProtocol.version)) + W.size(ofField: 2, length: body)
        return W.bytes(size: total) { w in
            w.uint(1, UInt64(WireProtocol.version))
            w.key(2, 2)
            w.varint(UInt64(body))
            w.text(1, r.requestID)
            w.text(2, r.modelVersion)
            w.uint(3, UInt64(r.shard))
            w.packed(4, r.answeredClusters, payloadSize: clusters, u32)
            w.packed(5, r.items, payloadSize: items, u32)
            w.packed(6, r.sums, payloadSize: sums, zigzag)
            w.packed(7, r.counts, payloadSize: counts, u32)
        }
    }

    /// The reply, when `bytes` is a canonical `WorkerMessage{protocol_version: 1, reply}` within
    /// `limits`; nil for anything else (heartbeats, errors, other encodings, anything invalid).
    static func decode(_ bytes: [UInt8], limits: WireLimits) -> ShardReply? {
        CanonicalProtobuf.withBody(of: bytes, field: 2, limits: limits) { buffer, body -> ShardReply? in
            var r = CanonicalProtobuf.Reader(buffer, range: body)
            var reply = ShardReply(requestID: "")
            func u32(_ v: UInt64) -> UInt32? { v <= UInt64(UInt32.max) ? UInt32(v) : nil }
            while !r.isAtEnd {
                guard let (field, wireType) = r.key() else { return nil }
                switch (field, wireType) {
                case (1, 2): guard let s = r.text(limit: limits.maxStringBytes) else { return nil }; reply.requestID = s
                case (2, 2): guard let s = r.text(limit: limits.maxStringBytes) else { return nil }; reply.modelVersion = s
                case (3, 0): guard let v = r.varint(), let s = u32(v) else { return nil }; reply.shard = s
                case (4, 2): guard let v = r.packed(limit: limits.maxClusters, u32) else { return nil }; reply.answeredClusters = v
                case (5, 2): guard let v = r.packed(limit: limits.maxItems, u32) else { return nil }; reply.items = v
                case (6, 2): guard let v = r.packed(limit: limits.maxItems, { CanonicalProtobuf.unzigzag($0) }) else { return nil }; reply.sums = v
                case (7, 2): guard let v = r.packed(limit: limits.maxItems, u32) else { return nil }; reply.counts = v
                default: return nil
                }
            }
            guard reply.sums.count == reply.items.count, reply.counts.count == reply.items.count else { return nil }
            return reply
        }
    }
}
