import Synchronization

/// Whether a serving process should receive traffic, shared between its poll loop (which decides)
/// and the HTTP endpoint that reports it (`GET /readyz`, the Kubernetes readiness probe).
/// A worker is ready once its model is loaded and until it starts draining; a coordinator when
/// every shard has a live replica holding the model it serves, and it is not draining.
public final class Readiness: Sendable {
    private let state = Mutex<(ready: Bool, reason: String)>((false, "starting"))

    public init() {}

    public func set(ready: Bool, reason: String) {
        state.withLock { $0 = (ready, ready ? "ready" : reason) }
    }

    /// `nil` problem means ready.
    public func set(problem: String?) {
        set(ready: problem == nil, reason: problem ?? "ready")
    }

    public var current: (ready: Bool, reason: String) { state.withLock { $0 } }
}
