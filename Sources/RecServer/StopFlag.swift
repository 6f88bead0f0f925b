import Synchronization

/// Set from any thread (e.g. a signal handler's dispatch source) to end an I/O loop.
public final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    public init() {}
    public func stop() { value.store(true, ordering: .releasing) }
    public var isStopped: Bool { value.load(ordering: .acquiring) }
}
