import RecWire

/// libFuzzer entry for coordinator → client frames (decoded by clients).
/// Any bytes must decode or throw a `WireError` — never crash, hang or
/// leak — and a decoded message must encode again and decode to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let message = try? ServerMessage(serializedBytes: bytes) else { return 0 }
    let again = try? ServerMessage(serializedBytes: message.serializedBytes())
    if again != message { fatalError("ServerMessage did not survive a round trip") }
    return 0
}
