/// Little-endian writer for the model file.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func count(_ v: Int) { u32(UInt32(v)) }
    mutating func string(_ s: String) { count(s.utf8.count); bytes.append(contentsOf: s.utf8) }
    mutating func floats(_ values: [Float]) {
        count(values.count)
        for v in values { u32(v.bitPattern) }
    }
    mutating func ints(_ values: [Int]) {
        count(values.count)
        for v in values { u32(UInt32(v)) }
    }
}

/// Bounds-checked little-endian reader; every read that would run past the end throws.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    var position: Int
    let section: String

    init(_ bytes: ArraySlice<UInt8>, section: String) {
        self.bytes = bytes
        position = bytes.startIndex
        self.section = section
    }

    var remaining: Int { bytes.endIndex - position }
    var atEnd: Bool { position == bytes.endIndex }

    mutating func take(_ n: Int) throws(ModelFileError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw .truncated(section: section) }
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    mutating func u32() throws(ModelFileError) -> UInt32 {
        let b = try take(4)
        var v: UInt32 = 0
        for (k, byte) in b.enumerated() { v |= UInt32(byte) << (8 * k) }
        return v
    }

    mutating func u64() throws(ModelFileError) -> UInt64 {
        UInt64(try u32()) | (UInt64(try u32()) << 32)
    }

    /// A count whose elements take at least `elementSize` bytes each: checked against what is left,
    /// so a corrupt count cannot trigger a huge allocation.
    mutating func count(elementSize: Int) throws(ModelFileError) -> Int {
        let n = Int(try u32())
        guard n * max(1, elementSize) <= remaining else { throw .truncated(section: section) }
        return n
    }

    mutating func string() throws(ModelFileError) -> String {
        let n = try count(elementSize: 1)
        guard let s = String(validating: try take(n), as: UTF8.self) else {
            throw .malformed(section: section, reason: "a string is not valid UTF-8")
        }
        return s
    }

    /// Little-endian IEEE floats, copied in one block (the file's byte order is the host's on
    /// every platform this builds for; a big-endian host would decode word by word).
    mutating func floats() throws(ModelFileError) -> [Float] {
        let n = try count(elementSize: 4)
        let raw = try take(4 * n)
        var out = [Float](repeating: 0, count: n)
        #if _endian(little)
            out.withUnsafeMutableBytes { dst in raw.withUnsafeBytes { src in dst.copyMemory(from: src) } }
        #else
            var r = ByteReader(raw, section: section)
            for k in 0..<n { out[k] = Float(bitPattern: try r.u32()) }
        #endif
        return out
    }

    mutating func ints(below limit: Int, what: String) throws(ModelFileError) -> [Int] {
        let n = try count(elementSize: 4)
        var out = [Int](repeating: 0, count: n)
        for k in 0..<n {
            let v = Int(try u32())
            guard v < limit else { throw .malformed(section: section, reason: "\(what) \(v) is out of range (limit \(limit))") }
            out[k] = v
        }
        return out
    }
}

/// CRC-32 (IEEE 802.3, reflected), for section checksums.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var c = Running()
        c.add(bytes)
        return c.value
    }

    /// A checksum over bytes that arrive in pieces.
    struct Running {
        private var c: UInt32 = 0xFFFF_FFFF
        mutating func add(_ bytes: some Sequence<UInt8>) {
            for b in bytes { c = CRC32.table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        var value: UInt32 { c ^ 0xFFFF_FFFF }
    }
}

/// FNV-1a 64, for the content-derived model version.
enum FNV1a {
    static func hash(_ parts: [ArraySlice<UInt8>]) -> UInt64 {
        var h = Running()
        for part in parts { h.add(part) }
        return h.value
    }

    /// A hash over bytes that arrive in pieces.
    struct Running {
        private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325
        mutating func add(_ bytes: some Sequence<UInt8>) {
            for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01B3 }
        }
    }
}
