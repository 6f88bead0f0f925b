import RecWire

/// libFuzzer entry for client → coordinator frames (decoded by the coordinator).
/// Any bytes must decode or throw a `WireError` — never crash, hang or
/// leak — and a decoded message must encode again and decode to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let message = try? ClientMessage(serializedBytes: bytes) else { return 0 }
    let again = try? ClientMessage(serializedBytes: message.serializedBytes())
    if again != message { fatalError("ClientMessage did not survive a round trip") }
    return 0
}
