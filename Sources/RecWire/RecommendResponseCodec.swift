/// `ServerMessage.recommend` — every answer — written without protobuf-c when it has no
/// explanations (see `CanonicalProtobuf`): the same bytes protobuf-c writes (tested byte for byte),
/// without copying every item ID into a C string first. Answers with explanations go through
/// protobuf-c.
enum RecommendResponseCodec {
    static func encode(_ r: RecommendResponse) -> [UInt8]? {
        guard r.explanations.isEmpty else { return nil }
        typealias W = CanonicalProtobuf.Writer
        let u32: (UInt32) -> UInt64 = { UInt64($0) }
        func textSize(_ field: Int, _ s: String) -> Int { s.utf8.isEmpty ? 0 : W.size(ofField: field, length: s.utf8.count) }
        func uintSize(_ v: UInt32) -> Int { v == 0 ? 0 : 1 + CanonicalProtobuf.varintSize(UInt64(v)) }
        func floatsSize(_ field: Int, _ v: [Float]) -> Int { v.isEmpty ? 0 : W.size(ofField: field, length: 4 * v.count) }
        let t = r.timings
        let timings = uintSize(t.totalMicros) + uintSize(t.encodeMicros) + uintSize(t.fanoutMicros) + uintSize(t.mergeMicros)
        let clusters = W.packedPayload(r.clusterIDs, u32)
        var body = textSize(1, r.requestID)
        for id in r.itemIDs { body += W.size(ofField: 2, length: id.utf8.count) }
        body += floatsSize(3, r.scores)
        if clusters > 0 { body += W.size(ofField: 4, length: clusters) }
        body += floatsSize(5, r.clusterWeights)
        body += textSize(6, r.modelVersion)
        if r.coverage != 0 { body += 9 }
        for reason in r.degradedReasons { body += W.size(ofField: 8, length: reason.utf8.count) }
        body += W.size(ofField: 9, length: timings)
        body +=
            uintSize(r.unknownItems) + uintSize(r.truncatedInteractions) + uintSize(r.filledFromPopularity)
            + uintSize(r.filteredCandidates)
        return W.envelope(bodySize: body) { w in
            w.text(1, r.requestID)
            for id in r.itemIDs { w.element(2, id) }
            w.packedFloats(3, r.scores)
            w.packed(4, r.clusterIDs, payloadSize: clusters, u32)
            w.packedFloats(5, r.clusterWeights)
            w.text(6, r.modelVersion)
            w.double(7, r.coverage)
            for reason in r.degradedReasons { w.element(8, reason) }
            w.key(9, 2)
            w.varint(UInt64(timings))
            w.uint(1, UInt64(t.totalMicros))
            w.uint(2, UInt64(t.encodeMicros))
            w.uint(3, UInt64(t.fanoutMicros))
            w.uint(4, UInt64(t.mergeMicros))
            w.uint(10, UInt64(r.unknownItems))
            w.uint(11, UInt64(r.truncatedInteractions))
            w.uint(12, UInt64(r.filledFromPopularity))
            w.uint(13, UInt64(r.filteredCandidates))
        }
    }
}
