import RecApp
import RecData
import RecInference
import RecServer
import RecServing
import RecVote
import RecWire

/// The mean sizes of the frames a request makes the cluster move, measured by running the
/// coordinator and worker state machines in one process on real histories (what `bench-floor`
/// gives its echo fan-out, so the floor carries the same bytes).
public struct FrameSizes: Sendable {
    public var request = 0
    public var subRequest = 0
    public var subRequestsPerRequest = 0.0
    public var shardReply = 0
    public var response = 0
    /// A real `ServerMessage` of about the mean response size, its request ID 16 '#' characters.
    public var responseTemplate: [UInt8] = []
    public var requestIDOffset = 0

    public static let placeholderID = String(repeating: "#", count: 16)

    /// Runs up to `sample` of `requests` (16-character IDs, as the load generator sends) through a
    /// `shards`-shard coordinator and its workers.
    public static func measure(
        model: RecommenderModel, requests: [RecommendRequest], shards: Int,
        sample: Int = 2_000
    ) throws(AppError) -> FrameSizes {
        let map = try AppError.wrap { try ShardMap(shardCount: shards) }
        var coordinator = CoordinatorCore(model: model, shardMap: map)
        var workers = try AppError.wrap { try (0..<shards).map { try ShardWorkerCore(model: model, shard: $0, shardCounts: [shards]) } }
        var requestBytes = 0, subBytes = 0, subCount = 0, replyBytes = 0, responses: [[UInt8]] = []
        let count = min(sample, requests.count)
        for n in 0..<count {
            var r = requests[n]
            r.requestID = placeholderID
            let payload = ClientMessage.recommend(r).serializedBytes()
            requestBytes += payload.count
            var pending = coordinator.onClient(routing: [1], payload: payload, now: 1)
            while !pending.isEmpty {
                var next: [CoordinatorCore.Action] = []
                for action in pending {
                    switch action {
                    case let .toWorker(w, bytes):
                        subBytes += bytes.count
                        subCount += 1
                        guard case let .query(q)? = try? CoordinatorMessage(serializedBytes: bytes) else { continue }
                        let reply = workers[w].handle(q, now: 1).serializedBytes()
                        replyBytes += reply.count
                        next += coordinator.onWorker(w, payload: reply, now: 1)
                    case let .toClient(_, bytes), let .toBatchMember(_, bytes):
                        responses.append(bytes)
                    }
                }
                pending = next
            }
        }
        guard count > 0, subCount > 0, !responses.isEmpty else { throw AppError("bench-floor: no request reached the shards") }
        var sizes = FrameSizes()
        sizes.request = requestBytes / count
        sizes.subRequest = subBytes / subCount
        sizes.subRequestsPerRequest = Double(subCount) / Double(count)
        sizes.shardReply = replyBytes / subCount
        sizes.response = responses.reduce(0) { $0 + $1.count } / responses.count
        // The response closest to the mean size, with the placeholder ID (the floor copies each
        // client's ID over it).
        let typical = responses.min { abs($0.count - sizes.response) < abs($1.count - sizes.response) }!
        guard case var .recommend(r)? = try? ServerMessage(serializedBytes: typical) else {
            throw AppError("bench-floor: the coordinator's answer was not a recommendation")
        }
        r.requestID = placeholderID
        sizes.responseTemplate = ServerMessage.recommend(r).serializedBytes()
        let needle = Array(placeholderID.utf8)
        guard
            let offset = (0...(sizes.responseTemplate.count - needle.count)).first(where: {
                sizes.responseTemplate[$0..<($0 + needle.count)].elementsEqual(needle)
            })
        else { throw AppError("bench-floor: no request ID in the response template") }
        sizes.requestIDOffset = offset
        return sizes
    }
}
