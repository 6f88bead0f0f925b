import RecWire

/// libFuzzer entry for client → coordinator frames (decoded by the coordinator).
/// Any bytes must decode or throw a `WireError` — never crash, hang or
/// leak — and a decoded message must encode again and decode to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let peeked = ClientMessage.peek(bytes)  // the overload path's cheap reader: never crashes either
    guard let message = try? ClientMessage(serializedBytes: bytes) else { return 0 }
    let again = try? ClientMessage(serializedBytes: message.serializedBytes())
    if again != message { fatalError("ClientMessage did not survive a round trip") }
    let id: String, kind: ClientMessage.Peek.Kind
    switch message {
    case let .recommend(r): (id, kind) = (r.requestID, .recommend)
    case let .status(s): (id, kind) = (s.requestID, .status)
    case let .rollback(s): (id, kind) = (s.requestID, .rollback)
    case let .blockItems(b): (id, kind) = (b.requestID, .blockItems)
    }
    // The cheap reader may give up (nil) but must never name a different request or kind.
    guard let peeked else { return 0 }
    if peeked.kind != kind { fatalError("peek read a \(peeked.kind), the decoder a \(kind)") }
    if let peekedID = peeked.requestID, peekedID != id { fatalError("peek read \(peekedID), the decoder \(id)") }
    return 0
}
