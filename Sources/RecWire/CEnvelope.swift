import CProtobufC
import CRecProtocol

/// What every envelope (ClientMessage, ServerMessage, CoordinatorMessage, WorkerMessage) does the
/// same way around its generated protobuf-c functions: the size limit, unpacking, freeing the
/// unpacked message, the protocol version check, and packing.
enum CEnvelope {
    static func decode<C, T>(
        _ bytes: [UInt8], limits: WireLimits, name: String, strings: EmbeddedNULCheck.Schema,
        repeated: RepeatedFieldLimits.Schema = [:],
        unpack: (UnsafeMutablePointer<ProtobufCAllocator>, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<C>?,
        free: (UnsafeMutablePointer<C>, UnsafeMutablePointer<ProtobufCAllocator>) -> Void,
        protocolVersion: (C) -> UInt32,
        body: (C) throws(WireError) -> T
    ) throws(WireError) -> T {
        guard bytes.count <= limits.maxMessageBytes else {
            throw .tooLarge(field: "message bytes", count: bytes.count, limit: limits.maxMessageBytes)
        }
        // Counted before unpacking: protobuf-c would allocate for every entry first.
        if let excess = RepeatedFieldLimits.firstExcess(in: bytes, schema: repeated, limits: limits) { throw excess }
        if let field = EmbeddedNULCheck.firstNUL(in: bytes, schema: strings) {
            throw .invalidValue(field: "\(name) field \(field)", reason: "a string holds a NUL byte")
        }
        let budget = UnpackBudget(bytes: unpackBudget(for: bytes.count, limits: limits))
        return try budget.withAllocator { (allocator) throws(WireError) -> T in
            let decoded = bytes.withUnsafeBufferPointer { unpack(allocator, $0.count, $0.baseAddress) }
            guard let decoded else {
                if budget.exhausted {
                    throw .tooLarge(field: "\(name) unpacked bytes", count: bytes.count, limit: unpackBudget(for: bytes.count, limits: limits))
                }
                throw .malformed(message: name)
            }
            defer { free(decoded, allocator) }
            let message = decoded.pointee
            let version = protocolVersion(message)
            guard version == WireProtocol.version else {
                throw .unsupportedProtocol(found: version, supported: WireProtocol.version)
            }
            return try body(message)
        }
    }

    /// What unpacking one frame may allocate (see `WireLimits.unpackBaseBytes`).
    static func unpackBudget(for frameBytes: Int, limits: WireLimits) -> Int {
        limits.unpackBaseBytes + limits.unpackBytesPerFrameByte * frameBytes
    }

    static func encode<C>(
        _ message: inout C, size: (UnsafePointer<C>) -> Int,
        pack: (UnsafePointer<C>, UnsafeMutablePointer<UInt8>) -> Int
    ) -> [UInt8] {
        withUnsafePointer(to: &message) { m in
            var out = [UInt8](repeating: 0, count: size(m))
            out.withUnsafeMutableBufferPointer { buffer in
                if let base = buffer.baseAddress { _ = pack(m, base) }
            }
            return out
        }
    }
}
