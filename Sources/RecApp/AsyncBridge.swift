import Foundation

/// Runs async work from a synchronous command and waits for its result (the command's thread is
/// not one of the concurrency pool's, so blocking it cannot starve the work).
enum AsyncBridge {
    static func wait<Value: Sendable>(_ work: @escaping @Sendable () async -> Value) -> Value {
        let box = ResultBox<Value>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await work()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

/// The result, written by the task before it signals and read by the waiter after.
private final class ResultBox<Value>: @unchecked Sendable {
    var value: Value?
}
