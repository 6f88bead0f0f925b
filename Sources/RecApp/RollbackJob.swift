import RecServer
import RecWire

/// `efficientrec rollback`: switch a coordinator back to the model version it served before the
/// last rollout (it and the workers keep that version loaded). Update the cluster config's model
/// too, or a later reload rolls forward again.
public struct RollbackJob {
    public var coordinator: String
    public var security: CurveSettings?
    public init(coordinator: String) { self.coordinator = coordinator }

    public func run() throws(AppError) {
        let client = try AppError.wrap { try QueryClient(coordinator: coordinator, security: security) }
        let reply = try AppError.wrap { try client.send(.rollback(StatusRequest(requestID: "rollback")), id: "rollback", timeoutSeconds: 5) }
        switch reply {
        case let .status(s):
            print("coordinator \(coordinator) serves model \(s.modelVersion)")
        case let .error(e):
            throw AppError("rollback refused: \(e.message)")
        case .recommend:
            throw AppError("unexpected reply to a rollback request")
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
        let client = try AppError.wrap { try QueryClient(coordinator: coordinator, security: security) }
        let request = BlockItemsRequest(requestID: "block", itemIDs: itemIDs, unblock: unblock)
        let reply = try AppError.wrap { try client.send(.blockItems(request), id: "block", timeoutSeconds: 5) }
        switch reply {
        case let .status(s):
            print("coordinator \(coordinator): \(s.blockedItems) items blocked")
        case let .error(e):
            throw AppError("\(unblock ? "unblock" : "block") refused: \(e.message)")
        case .recommend:
            throw AppError("unexpected reply to a block request")
        }
    }
}
