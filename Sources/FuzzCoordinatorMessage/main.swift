import RecWire

/// libFuzzer entry for coordinator → worker frames (decoded by workers).
/// Any bytes must decode or throw a `WireError` — never crash, hang or
/// leak — and a decoded message must encode again and decode to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCoordinatorMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let message = try? CoordinatorMessage(serializedBytes: bytes) else { return 0 }
    let again = try? CoordinatorMessage(serializedBytes: message.serializedBytes())
    if again != message { fatalError("CoordinatorMessage did not survive a round trip") }
    return 0
}
