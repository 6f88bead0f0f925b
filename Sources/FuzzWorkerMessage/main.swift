import RecWire

/// libFuzzer entry for worker → coordinator frames (decoded by the coordinator).
/// Any bytes must decode or throw a `WireError` — never crash, hang or
/// leak — and a decoded message must encode again and decode to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWorkerMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let message = try? WorkerMessage(serializedBytes: bytes) else { return 0 }
    let again = try? WorkerMessage(serializedBytes: message.serializedBytes())
    if again != message { fatalError("WorkerMessage did not survive a round trip") }
    return 0
}
