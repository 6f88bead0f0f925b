import EfficientRecClient
import RecServer
import RecTransport
import RecWire

/// `efficientrec rollback`: switch a coordinator back to the model version it served before the
/// last rollout (it and the workers keep that version loaded). Update the cluster config's model
/// too, or a later reload rolls forward again.
public struct RollbackJob {
    public var coordinator: String
    public var security: CurveSettings?
    public init(coordinator: String) { self.coordinator = coordinator }

    public func run() throws(AppError) {
        try AdminEndpoints.each(coordinator) { (endpoint) throws(AppError) in
            let client = try AppError.wrap { try QueryClient(coordinator: endpoint, security: security) }
            let reply = try AppError.wrap { try client.send(.rollback(StatusRequest(requestID: "rollback")), id: "rollback", timeoutSeconds: 5) }
            switch reply {
            case let .status(s):
                print("coordinator \(endpoint) serves model \(s.modelVersion)")
            case let .error(e):
                throw AppError("rollback refused: \(e.message)")
            case .recommend:
                throw AppError("unexpected reply to a rollback request")
            }
        }
    }
}

/// Admin actions act on each coordinator's own state, so a comma-separated list of admin
/// endpoints (as `cluster --coordinators N` prints it) means every one of them, in turn — not one
/// chosen by a DEALER's round robin, as for recommendations.
enum AdminEndpoints {
    static func each(_ list: String, _ body: (String) throws(AppError) -> Void) throws(AppError) {
        let endpoints = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !endpoints.isEmpty else { throw AppError("--coordinator names no endpoint") }
        if endpoints.count == 1 { return try body(endpoints[0]) }
        var failures: [String] = []
        for endpoint in endpoints {
            do { try body(endpoint) } catch { failures.append("\(endpoint): \(error.description)") }
        }
        guard failures.isEmpty else {
            throw AppError("\(failures.count) of \(endpoints.count) coordinators failed: " + failures.joined(separator: "; "))
        }
    }
}

/// `efficientrec block`: withdraw items from every answer of a coordinator now (or, with
/// `--unblock`, take them back) — an admin action, sent to the admin endpoint.
public struct BlockJob {
    public var coordinator: String
    public var itemIDs: [String]
    public var unblock = false
    public var security: CurveSettings?

    public init(coordinator: String, itemIDs: [String]) {
        self.coordinator = coordinator
        self.itemIDs = itemIDs
    }

    public func run() throws(AppError) {
        guard !itemIDs.isEmpty else { throw AppError("--items names no item ID") }
        let request = BlockItemsRequest(requestID: "block", itemIDs: itemIDs, unblock: unblock)
        try AdminEndpoints.each(coordinator) { (endpoint) throws(AppError) in
            let client = try AppError.wrap { try QueryClient(coordinator: endpoint, security: security) }
            let reply = try AppError.wrap { try client.send(.blockItems(request), id: "block", timeoutSeconds: 5) }
            switch reply {
            case let .status(s):
                print("coordinator \(endpoint): \(s.blockedItems) items blocked")
            case let .error(e):
                throw AppError("\(unblock ? "unblock" : "block") refused: \(e.message)")
            case .recommend:
                throw AppError("unexpected reply to a block request")
            }
        }
    }
}
