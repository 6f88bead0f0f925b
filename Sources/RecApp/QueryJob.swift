import EfficientRecClient
import Foundation
import RecData
import RecServer
import RecTransport
import RecWire

/// `efficientrec query`: send recommendation requests to a coordinator. With `--histories` it
/// writes exactly the TSV of `efficientrec recommend`, so the two can be diffed.
public struct QueryJob {
    public var coordinator: String
    public var history: String?
    public var histories: String?
    public var users: String?
    public var k: Int
    public var output: String?
    public var timeoutSeconds: Double = 30
    public var security: CurveSettings?
    /// Sent with every request (the coordinator applies it before the vote).
    public var filter = RequestFilter()
    /// Users per batch (one ZeroMQ message of that many requests, answered by one message).
    public var batchSize = 64
    /// Ask for explanations and print them as two more columns (as `recommend --explain`).
    public var explain = false

    public init(coordinator: String, history: String?, histories: String?, users: String?, k: Int, output: String?) {
        self.coordinator = coordinator
        self.history = history
        self.histories = histories
        self.users = users
        self.k = k
        self.output = output
    }

    /// Parses `item:rating,item:rating,…` (a missing rating means 5).
    public static func parseHistory(_ text: String) throws(AppError) -> (items: [String], ratings: [Float]) {
        var items: [String] = [], ratings: [Float] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            let id = pieces[0].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw AppError("--history: an entry has no item ID ('\(part)')") }
            var rating: Float = 5
            if pieces.count > 1 {
                guard let r = Float(pieces[1].trimmingCharacters(in: .whitespaces)), r.isFinite else {
                    throw AppError("--history: '\(pieces[1])' is not a rating (in '\(part)')")
                }
                rating = r
            }
            items.append(id); ratings.append(rating)
        }
        return (items, ratings)
    }

    public func run() throws(AppError) {
        guard (history == nil) != (histories == nil) else { throw AppError("give exactly one of --history and --histories") }
        var requests: [(user: String, request: RecommendRequest)] = []
        if let history {
            let (items, ratings) = try Self.parseHistory(history)
            requests.append(("query", RecommendRequest(requestID: "q0", itemIDs: items, ratings: ratings, k: UInt32(k))))
        } else if let histories {
            let log = try AppError.wrap { try InteractionLog.read(path: histories) }
            let table = try users.map { path throws(AppError) in try AppError.wrap { try UserAttributeTable.read(path: path) } }
            for u in 0..<log.users.count {
                let h = log.history(of: u)
                var r = RecommendRequest(
                    requestID: "q\(u)", itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings,
                    timestamps: h.timestamps, k: UInt32(k))
                if let table, let row = table.row(of: log.users[u]) {
                    r.attributeNames = table.columnNames
                    r.attributeValues = row
                }
                requests.append((log.users[u], r))
            }
        }
        for k in requests.indices {
            filter.apply(to: &requests[k].request)
            requests[k].request.explain = explain
        }
        // One history: the async client library; a file: the paced bulk exchange.
        let replies =
            history != nil
            ? try askOne(requests[0].request)
            : try AppError.wrap {
                try QueryClient(coordinator: coordinator, security: security).exchangePaced(
                    requests.map { ($0.request.requestID, ClientMessage.recommend($0.request).serializedBytes()) },
                    batchSize: batchSize, maxWindow: 4 * batchSize, timeoutSeconds: timeoutSeconds)
            }
        var text = "user\titem\trank\tscore" + (explain ? ExplanationColumns.header : "") + "\n"
        var problems: [String] = []
        var failed = 0
        for (user, request) in requests {
            switch replies[request.requestID] {
            case let .recommend(r)?:
                for (rank, (item, score)) in zip(r.itemIDs, r.scores).enumerated() {
                    text += "\(user)\t\(item)\t\(rank + 1)\t\(score)"
                    if explain {
                        let e = rank < r.explanations.count ? r.explanations[rank] : RecommendResponse.Explanation()
                        text += ExplanationColumns.format(
                            clusters: e.clusterIDs.map(Int.init), shares: e.clusterShares,
                            because: e.becauseItemIDs, similarities: e.similarities)
                    }
                    text += "\n"
                }
                if r.coverage < 1 { problems.append("\(user): coverage \(r.coverage): \(r.degradedReasons.joined(separator: "; "))") }
                if history != nil {
                    Terminal.log(
                        "model \(r.modelVersion), coverage \(r.coverage), clusters "
                            + zip(r.clusterIDs, r.clusterWeights).map { "\($0)(\(String(format: "%.3f", $1)))" }.joined(separator: " ")
                            + ", \(r.timings.totalMicros) us")
                }
            case let .error(e)?:
                problems.append("\(user): \(e.code) \(e.message)")
                failed += 1
            default:
                problems.append("\(user): no reply")
                failed += 1
            }
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else { throw AppError("cannot write \(output)") }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        for p in problems { Terminal.log("warning: " + p) }
        if failed > 0 { throw AppError("\(failed) request(s) failed") }
    }

    /// One request through `RecommendationClient` (the library Swift services use), its reply or
    /// its error in the shape of the bulk exchange's.
    private func askOne(_ request: RecommendRequest) throws(AppError) -> [String: ServerMessage] {
        let client: RecommendationClient
        do {
            client = try RecommendationClient(
                endpoint: coordinator, curve: security,
                timeout: .milliseconds(Int64(timeoutSeconds * 1_000)))
        } catch { throw AppError("\(error)") }
        defer { client.close() }
        let outcome = AsyncBridge.wait { () async -> Result<RecommendResponse, ClientError> in
            do throws(ClientError) { return .success(try await client.recommend(request)) } catch { return .failure(error) }
        }
        switch outcome {
        case let .success(response):
            return [request.requestID: .recommend(response)]
        case let .failure(.refused(id, code, message)):
            return [id: .error(ErrorReply(requestID: id, code: code, message: message))]
        case .failure(.timedOut):
            return [:]
        case let .failure(error):
            throw AppError("\(error)")
        }
    }
}
