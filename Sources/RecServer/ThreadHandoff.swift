/// Hands a value that is not `Sendable` (a socket-owning server or poll loop) to the thread that
/// will use it: it is used by exactly one thread at a time — created on the caller's, then only on
/// the receiving thread's (starting a thread is a full fence).
public final class ThreadHandoff<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
