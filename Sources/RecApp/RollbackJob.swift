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
