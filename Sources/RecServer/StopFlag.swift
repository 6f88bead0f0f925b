import RecWire
import Synchronization

/// Set from any thread (e.g. a signal handler's dispatch source) to end an I/O loop.
public final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    public init() {}
    public func stop() { value.store(true, ordering: .releasing) }
    public var isStopped: Bool { value.load(ordering: .acquiring) }
}

/// A request from another thread (a signal handler) that a loop picks up once (e.g. reload).
public final class TriggerFlag: Sendable {
    private let value = Atomic<Bool>(false)
    public init() {}
    public func trigger() { value.store(true, ordering: .releasing) }
    /// True once per trigger.
    public func take() -> Bool { value.exchange(false, ordering: .acquiringAndReleasing) }
}
