import CProtobufC

#if canImport(Glibc)
    import Glibc
#endif

/// A protobuf-c allocator with a byte budget for one frame's unpacking: once the unpacked message
/// would take more than `bytes`, allocation fails and protobuf-c refuses the frame as malformed, so
/// no frame can make the decoder hold more than the budget, whatever its shape. The
/// repeated-field counts are checked before (`RepeatedFieldLimits`); this bounds what is left.
final class UnpackBudget {
    private(set) var remaining: Int
    /// Allocation was refused for want of budget (the unpack then fails).
    private(set) var exhausted = false

    init(bytes: Int) { remaining = bytes }

    /// Runs `body` with an allocator drawing on this budget (valid only inside `body`).
    func withAllocator<T>(_ body: (UnsafeMutablePointer<ProtobufCAllocator>) throws(WireError) -> T) throws(WireError) -> T {
        var allocator = ProtobufCAllocator(
            alloc: { data, size in
                let budget = Unmanaged<UnpackBudget>.fromOpaque(data!).takeUnretainedValue()
                guard size <= budget.remaining else { budget.exhausted = true; return nil }
                budget.remaining -= size
                return malloc(size)
            },
            free: { _, pointer in free(pointer) },
            allocator_data: Unmanaged.passUnretained(self).toOpaque())
        return try withExtendedLifetime(self) { () throws(WireError) -> T in try body(&allocator) }
    }
}
