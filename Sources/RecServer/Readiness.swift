import RecWire
import Synchronization

/// Whether a serving process should receive traffic, shared between its poll loops (which decide)
/// and the HTTP endpoint that reports it (`GET /readyz`, the Kubernetes readiness probe).
/// A worker is ready once its model is loaded and until it starts draining; a coordinator when
/// every shard has a live replica holding the model it serves, and it is not draining. A process
/// with several poll loops is ready when every loop (`part`) is.
public final class Readiness: Sendable {
    private let parts: Mutex<[(ready: Bool, reason: String)]>

    public init(parts: Int = 1) {
        self.parts = Mutex(Array(repeating: (false, "starting"), count: max(1, parts)))
    }

    public func set(ready: Bool, reason: String, part: Int = 0) {
        parts.withLock { all in
            guard all.indices.contains(part) else { return }
            all[part] = (ready, ready ? "ready" : reason)
        }
    }

    /// `nil` problem means ready.
    public func set(problem: String?, part: Int = 0) {
        set(ready: problem == nil, reason: problem ?? "ready", part: part)
    }

    /// Ready when every part is; otherwise the first unready part's reason.
    public var current: (ready: Bool, reason: String) {
        parts.withLock { all in
            guard let k = all.firstIndex(where: { !$0.ready }) else { return (true, "ready") }
            return (false, all.count > 1 ? "poll loop \(k): \(all[k].reason)" : all[k].reason)
        }
    }
}
