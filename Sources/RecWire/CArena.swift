#if canImport(Glibc)
    import Glibc
#endif

/// Owns the C memory behind a message being encoded; everything is freed when the arena goes.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { for p in allocations { free(p) } }

    func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        allocations.append(UnsafeMutableRawPointer(p))
        return p
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let raw = malloc(MemoryLayout<T>.stride * values.count)!
        allocations.append(raw)
        let p = raw.bindMemory(to: T.self, capacity: values.count)
        p.initialize(from: values, count: values.count)
        return p
    }

    func strings(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        array(values.map { Optional(string($0)) })
    }

    func object<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let raw = malloc(MemoryLayout<T>.stride)!
        allocations.append(raw)
        let p = raw.bindMemory(to: T.self, capacity: 1)
        p.initialize(to: value)
        return p
    }
}

/// Reading decoded C fields with validation.
enum CRead {
    static func text(_ p: UnsafeMutablePointer<CChar>?, field: String, limits: WireLimits) throws(WireError) -> String {
        guard let p else { return "" }
        let length = strlen(p)
        guard length <= limits.maxStringBytes else {
            throw .tooLarge(field: field, count: length, limit: limits.maxStringBytes)
        }
        // Validate-and-copy in one pass. `String(validatingCString:)` is not generic: 14 ns for a
        // MovieLens item ID against 68 ns for `String(validating:as:)`, which looked up generic
        // metadata for every string (seen in a perf profile of the coordinator under load).
        guard let s = String(validatingCString: p) else { throw .invalidUTF8(field: field) }
        return s
    }

    static func texts(
        _ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, field: String,
        limit: Int, limits: WireLimits
    ) throws(WireError) -> [String] {
        guard count <= limit else { throw .tooLarge(field: field, count: count, limit: limit) }
        var out: [String] = []
        out.reserveCapacity(count)
        for k in 0..<count { out.append(try text(p?[k], field: field, limits: limits)) }
        return out
    }

    static func values<T>(_ count: Int, _ p: UnsafeMutablePointer<T>?, field: String, limit: Int) throws(WireError) -> [T] {
        guard count <= limit else { throw .tooLarge(field: field, count: count, limit: limit) }
        guard count > 0, let p else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: count))
    }
}
