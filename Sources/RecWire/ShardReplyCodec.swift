/// `WorkerMessage.reply` — the frame every shard sends for every request — written and read
/// without protobuf-c (see `CanonicalProtobuf`). The bytes are the ones protobuf-c writes; a frame
/// the reader does not recognise as canonical goes to the general decoder.
enum ShardReplyCodec {
    static func encode(_ r: ShardReply) -> [UInt8] {
        typealias W = CanonicalProtobuf.Writer
        let u32: (UInt32) -> UInt64 = { UInt64($0) }
        let items = W.packedPayload(r.items, u32)
        var body = 0
        if !r.requestID.utf8.isEmpty { body += W.size(ofField: 1, length: r.requestID.utf8.count) }
        if !r.modelVersion.utf8.isEmpty { body += W.size(ofField: 2, length: r.modelVersion.utf8.count) }
        if r.shard != 0 { body += 1 + CanonicalProtobuf.varintSize(UInt64(r.shard)) }
        if items > 0 { body += W.size(ofField: 5, length: items) }
        if !r.scores.isEmpty { body += W.size(ofField: 8, length: 4 * r.scores.count) }
        if r.shardCount != 0 { body += 1 + CanonicalProtobuf.varintSize(UInt64(r.shardCount)) }
        return W.envelope(bodySize: body) { w in
            w.text(1, r.requestID)
            w.text(2, r.modelVersion)
            w.uint(3, UInt64(r.shard))
            w.packed(5, r.items, payloadSize: items, u32)
            w.packedFloats(8, r.scores)
            w.uint(9, UInt64(r.shardCount))
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
                case (5, 2): guard let v = r.packed(limit: limits.maxResultItems, u32) else { return nil }; reply.items = v
                case (8, 2):
                    guard
                        let v = r.packedFixed(
                            width: 4, limit: limits.maxResultItems,
                            {
                                Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)))
                            })
                    else { return nil }
                    reply.scores = v
                case (9, 0): guard let v = r.varint(), let s = u32(v) else { return nil }; reply.shardCount = s
                default: return nil
                }
            }
            // Anything the general decoder refuses is handed back to it, for its error.
            guard reply.scores.count == reply.items.count, reply.scores.allSatisfy(\.isFinite) else { return nil }
            return reply
        }
    }
}
