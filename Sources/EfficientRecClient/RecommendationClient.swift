import Foundation
import RecTransport
import RecWire
import Synchronization

/// Recommendations from an EfficientRec cluster, for Swift services: async calls over one reused
/// ZeroMQ connection, typed results (`RecommendResponse`, `StatusResponse`) and typed errors
/// (`ClientError`, each naming its request). It links the wire protocol and ZeroMQ only — neither
/// the model nor the trainer.
///
///     let client = try RecommendationClient(endpoint: "tcp://127.0.0.1:5600")
///     let answer = try await client.recommend(history: [("50", 5), ("172", 5)], k: 10)
///     for (item, score) in zip(answer.itemIDs, answer.scores) { print(item, score) }
public final class RecommendationClient: Sendable {
    /// One history entry: an item ID as the catalogue spells it and its rating.
    public typealias Interaction = (item: String, rating: Float)

    /// How long a call waits for its reply, unless it says otherwise.
    public let timeout: Duration
    private let connection: ClientConnection
    private let sequence = Atomic<UInt64>(0)
    private let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    /// Connects to the coordinator at `endpoint` (several, comma-separated: requests are spread
    /// over them). With `curve`, the coordinator must prove it holds `curve.serverKey`.
    public init(endpoint: String, curve: CurveSettings? = nil, timeout: Duration = .seconds(5)) throws(ClientError) {
        let endpoints = endpoint.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !endpoints.isEmpty, endpoints.allSatisfy({ $0.contains("://") }) else {
            throw .invalidRequest(requestID: "", reason: "'\(endpoint)' is not an endpoint like tcp://host:port")
        }
        self.timeout = timeout
        do { connection = try ClientConnection(endpoints: endpoints, curve: curve) } catch { throw .transport(error) }
    }

    deinit { connection.close() }

    /// Stops the connection; calls still waiting fail with `closed`.
    public func close() { connection.close() }

    /// A fresh request ID, unique within this client.
    public func nextRequestID() -> String {
        "\(prefix)-\(sequence.wrappingAdd(1, ordering: .relaxed).newValue)"
    }

    /// The top `k` items for a history, best first; `exclude` and `allow` filter by item ID,
    /// `conditions` by item attributes ("genre in Comedy|Drama", "year >= 1990"; all must hold).
    public func recommend(
        history: [Interaction], k: Int = 10, exclude: [String] = [], allow: [String] = [],
        conditions: [String] = [], explain: Bool = false,
        timeout: Duration? = nil
    ) async throws(ClientError) -> RecommendResponse {
        try await recommend(
            request(history: history, k: k, exclude: exclude, allow: allow, conditions: conditions, explain: explain),
            timeout: timeout)
    }

    /// Sends a request as built (its ID is kept, or one is assigned when empty).
    public func recommend(_ request: RecommendRequest, timeout: Duration? = nil) async throws(ClientError) -> RecommendResponse {
        var request = request
        if request.requestID.isEmpty { request.requestID = nextRequestID() }
        let id = request.requestID
        let replies = try await exchange([ClientMessage.recommend(request).serializedBytes()], ids: [id], timeout: timeout)
        return try Self.response(replies[id], id: id)
    }

    /// Several requests in one message, answered by one message: each result in the order of the
    /// requests, an answer or that request's own error.
    public func recommendBatch(
        _ requests: [RecommendRequest],
        timeout: Duration? = nil
    ) async throws(ClientError) -> [Result<RecommendResponse, ClientError>] {
        guard !requests.isEmpty else { return [] }
        guard requests.count <= WireLimits.standard.maxBatchRequests else {
            throw .invalidRequest(
                requestID: requests[0].requestID,
                reason: "\(requests.count) requests in one batch; at most \(WireLimits.standard.maxBatchRequests)")
        }
        var ids: [String] = [], frames: [[UInt8]] = []
        for var request in requests {
            if request.requestID.isEmpty { request.requestID = nextRequestID() }
            guard !ids.contains(request.requestID) else {
                throw .invalidRequest(requestID: request.requestID, reason: "two requests of the batch share this ID")
            }
            ids.append(request.requestID)
            frames.append(ClientMessage.recommend(request).serializedBytes())
        }
        let replies = try await exchange(frames, ids: ids, timeout: timeout)
        return ids.map { id in Result { () throws(ClientError) in try Self.response(replies[id], id: id) } }
    }

    /// The coordinator's counters, readiness and shards.
    public func status(timeout: Duration? = nil) async throws(ClientError) -> StatusResponse {
        let id = nextRequestID()
        let replies = try await exchange([ClientMessage.status(StatusRequest(requestID: id)).serializedBytes()], ids: [id], timeout: timeout)
        switch replies[id] {
        case let .status(s)?: return s
        case let .error(e)?: throw .refused(requestID: id, code: e.code, message: e.message)
        default: throw .unexpectedReply(requestID: id)
        }
    }

    /// A request for `history` with this client's checks: k in 1...maxK, finite ratings.
    public func request(
        history: [Interaction], k: Int, exclude: [String] = [], allow: [String] = [],
        conditions: [String] = [], explain: Bool = false
    ) throws(ClientError) -> RecommendRequest {
        let id = nextRequestID()
        guard (1...WireLimits.standard.maxResultItems).contains(k) else {
            throw .invalidRequest(requestID: id, reason: "k must be between 1 and \(WireLimits.standard.maxResultItems), not \(k)")
        }
        if let bad = history.first(where: { !$0.rating.isFinite }) {
            throw .invalidRequest(requestID: id, reason: "the rating of item '\(bad.item)' is not a finite number")
        }
        var r = RecommendRequest(requestID: id, itemIDs: history.map(\.item), ratings: history.map(\.rating), k: UInt32(k))
        r.excludeItemIDs = exclude
        r.allowItemIDs = allow
        r.itemConditions = conditions
        r.explain = explain
        return r
    }

    private func exchange(_ frames: [[UInt8]], ids: [String], timeout: Duration?) async throws(ClientError) -> [String: ServerMessage] {
        do {
            return try await connection.exchange(frames, ids: ids, timeout: timeout ?? self.timeout)
        } catch let error as ClientError {
            throw error
        } catch {
            throw .unexpectedReply(requestID: ids.first ?? "")
        }
    }

    private static func response(_ reply: ServerMessage?, id: String) throws(ClientError) -> RecommendResponse {
        switch reply {
        case let .recommend(r)?: return r
        case let .error(e)?: throw .refused(requestID: id, code: e.code, message: e.message)
        default: throw .unexpectedReply(requestID: id)
        }
    }
}
