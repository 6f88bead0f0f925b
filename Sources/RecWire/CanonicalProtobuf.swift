/// The protobuf wire format for the hot messages, written and read in Swift without protobuf-c:
/// the canonical form only (fields in number order, each once, repeated scalars packed, defaults
/// left out) — exactly the bytes protobuf-c writes (tested byte for byte). A reader that meets
/// anything else gives up (returns nil) and the caller decodes with protobuf-c, so every error
/// and every unusual-but-legal encoding is still handled by the one general decoder.
enum CanonicalProtobuf {
    /// Reads the envelope every message shares — `protocol_version` (field 1, this build's) then
    /// one body (field `body`, length-delimited) and nothing else — and hands the body's bounds to
    /// `read`; nil when the frame is not in that form or over `limits`.
    static func withBody<T>(
        of bytes: [UInt8], field body: Int, limits: WireLimits,
        _ read: (UnsafeBufferPointer<UInt8>, Range<Int>) -> T?
    ) -> T? {
        guard bytes.count <= limits.maxMessageBytes else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> T? in
            var envelope = Reader(buffer, range: 0..<buffer.count)
            guard let k1 = envelope.key(), k1 == (1, 0), let version = envelope.varint(), version == UInt64(WireProtocol.version),
                let k2 = envelope.key(), k2 == (body, 2), let range = envelope.lengthDelimited(), envelope.isAtEnd
            else { return nil }
            return read(buffer, range)
        }
    }

    /// The bytes as a String when they are valid UTF-8 without NUL (what the C decoder accepts).
    /// Decoding repairs invalid sequences, so a repaired string no longer equals its bytes.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var k = 0
        var high: UInt8 = 0
        while k < bytes.count {
            if bytes[k] == 0 { return nil }
            high |= bytes[k]
            k &+= 1
        }
        let s = String(decoding: bytes, as: UTF8.self)
        // ASCII (the usual item ID) decodes unchanged; anything else is checked for repairs.
        if high < 0x80 { return s }
        return s.utf8.count == bytes.count && s.utf8.elementsEqual(bytes) ? s : nil
    }

    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int { (64 - (v | 1).leadingZeroBitCount + 6) / 7 }

    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    @inline(__always)
    static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }

    /// Writes protobuf fields into a buffer of a size known in advance (the caller computes it
    /// with `size(ofField:length:)` and `varintSize`); no per-byte bounds or uniqueness checks.
    struct Writer {
        let base: UnsafeMutablePointer<UInt8>
        var position = 0
        let capacity: Int

        init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
            base = buffer.baseAddress!
            capacity = buffer.count
        }

        @inline(__always)
        mutating func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                base[position] = UInt8(truncatingIfNeeded: v) | 0x80
                position += 1
                v >>= 7
            }
            base[position] = UInt8(v)
            position += 1
        }

        @inline(__always)
        mutating func key(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }

        /// A string field (left out when empty, as proto3 does).
        mutating func text(_ field: Int, _ value: String) {
            var value = value
            value.withUTF8 { utf8 in
                guard !utf8.isEmpty else { return }
                key(field, 2)
                varint(UInt64(utf8.count))
                (base + position).update(from: utf8.baseAddress!, count: utf8.count)
                position += utf8.count
            }
        }

        mutating func uint(_ field: Int, _ value: UInt64) {
            guard value != 0 else { return }
            key(field, 0)
            varint(value)
        }

        /// A packed repeated varint field whose payload is `payloadSize` bytes (left out when empty).
        @inline(__always)
        mutating func packed<T>(_ field: Int, _ values: [T], payloadSize: Int, _ encode: (T) -> UInt64) {
            guard !values.isEmpty else { return }
            key(field, 2)
            varint(UInt64(payloadSize))
            values.withUnsafeBufferPointer { for v in $0 { varint(encode(v)) } }
        }

        /// One entry of a repeated string field (written even when empty, as repeated fields are).
        mutating func element(_ field: Int, _ value: String) {
            var value = value
            value.withUTF8 { utf8 in
                key(field, 2)
                varint(UInt64(utf8.count))
                if let source = utf8.baseAddress { (base + position).update(from: source, count: utf8.count) }
                position += utf8.count
            }
        }

        /// A double field (left out when 0 or -0, as protobuf-c does): 8 little-endian bytes.
        mutating func double(_ field: Int, _ value: Double) {
            guard value != 0 else { return }
            key(field, 1)
            fixed(value.bitPattern)
        }

        /// A float field (left out when 0 or -0, as protobuf-c does): 4 little-endian bytes.
        mutating func float(_ field: Int, _ value: Float) {
            guard value != 0 else { return }
            key(field, 5)
            fixed(value.bitPattern)
        }

        /// The bytes of a fixed-width value, little-endian.
        @inline(__always)
        mutating func fixed<T: FixedWidthInteger>(_ value: T) {
            var bits = value.littleEndian
            withUnsafeBytes(of: &bits) { (base + position).update(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: $0.count) }
            position += MemoryLayout<T>.size
        }

        /// A packed repeated float field (left out when empty): 4 little-endian bytes per value.
        mutating func packedFloats(_ field: Int, _ values: [Float]) {
            guard !values.isEmpty else { return }
            key(field, 2)
            varint(UInt64(values.count * 4))
            for v in values { fixed(v.bitPattern) }
        }

        static func size(ofField field: Int, length: Int) -> Int {
            CanonicalProtobuf.varintSize(UInt64(field << 3)) + CanonicalProtobuf.varintSize(UInt64(length)) + length
        }

        /// The payload bytes of a packed field of `values`.
        @inline(__always)
        static func packedPayload<T>(_ values: [T], _ encode: (T) -> UInt64) -> Int {
            values.withUnsafeBufferPointer { buffer in
                var n = 0
                for v in buffer { n += CanonicalProtobuf.varintSize(encode(v)) }
                return n
            }
        }

        /// A whole envelope: `protocol_version` (this build's) and a body of `bodySize` bytes in field
        /// 2, whose fields `body` writes.
        static func envelope(bodySize: Int, _ body: (inout Writer) -> Void) -> [UInt8] {
            let total = 1 + CanonicalProtobuf.varintSize(UInt64(WireProtocol.version)) + size(ofField: 2, length: bodySize)
            return bytes(size: total) { w in
                w.uint(1, UInt64(WireProtocol.version))
                w.key(2, 2)
                w.varint(UInt64(bodySize))
                body(&w)
            }
        }

        /// Builds an array of exactly `size` bytes with `body`.
        static func bytes(size: Int, _ body: (inout Writer) -> Void) -> [UInt8] {
            [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                var w = Writer(buffer)
                body(&w)
                precondition(w.position == size, "CanonicalProtobuf: wrote \(w.position) bytes, sized \(size)")
                count = size
            }
        }
    }

    /// Reads one message's fields in order; every method returns nil on anything outside the
    /// canonical form, so the caller falls back to protobuf-c.
    struct Reader {
        let base: UnsafePointer<UInt8>
        var position: Int
        let end: Int
        /// The last field number read: fields must come in increasing order, each once.
        var lastField = 0

        init(_ buffer: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
            base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
            position = range.lowerBound
            end = range.upperBound
        }

        var isAtEnd: Bool { position >= end }

        @inline(__always)
        mutating func varint() -> UInt64? {
            // Most values on the hot path take one or two bytes.
            if end - position >= 2 {
                let b0 = base[position]
                if b0 < 0x80 { position += 1; return UInt64(b0) }
                let b1 = base[position + 1]
                if b1 < 0x80 { position += 2; return UInt64(b0 & 0x7F) | UInt64(b1) << 7 }
            }
            return longVarint()
        }

        mutating func longVarint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < end {
                let byte = base[position]
                position += 1
                if shift == 63 && byte > 1 { return nil }  // beyond 64 bits
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
                if shift > 63 { return nil }
            }
            return nil
        }

        /// The next field's number and wire type, if it comes after the previous one (or repeats
        /// it, for the fields in `repeating`: repeated strings, one field per value).
        mutating func key(repeating: [Int] = []) -> (field: Int, wireType: Int)? {
            guard let k = varint(), k >> 3 <= UInt64(Int32.max) else { return nil }
            let field = Int(k >> 3)
            guard field > lastField || (field == lastField && repeating.contains(field)) else { return nil }
            lastField = field
            return (field, Int(k & 7))
        }

        /// The bounds of a length-delimited value.
        mutating func lengthDelimited() -> Range<Int>? {
            guard let n = varint(), n <= UInt64(end - position) else { return nil }
            let start = position
            position += Int(n)
            return start..<position
        }

        /// A fixed32 float (wire type 5).
        mutating func float() -> Float? {
            guard end - position >= 4 else { return nil }
            let bits = UnsafeRawPointer(base + position).loadUnaligned(as: UInt32.self)
            position += 4
            return Float(bitPattern: UInt32(littleEndian: bits))
        }

        /// A UTF-8 string of at most `limit` bytes with no NUL (what the C decoder accepts).
        mutating func text(limit: Int) -> String? {
            guard let range = lengthDelimited(), range.count <= limit else { return nil }
            return CanonicalProtobuf.string(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
        }

        /// A packed run of fixed-width values (wire type 2 of `width`-byte little-endian values),
        /// at most `limit`.
        mutating func packedFixed<T>(width: Int, limit: Int, _ decode: (UnsafeRawPointer) -> T) -> [T]? {
            guard let range = lengthDelimited(), range.count % width == 0, range.count / width <= limit else { return nil }
            let count = range.count / width
            let start = UnsafeRawPointer(base + range.lowerBound)
            return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                for k in 0..<count { (buffer.baseAddress! + k).initialize(to: decode(start + k * width)) }
                initialized = count
            }
        }

        /// A packed run of varints, each mapped by `decode` (nil: out of range), at most `limit`.
        /// The values are counted first (one per byte below 0x80), so the array is made once.
        mutating func packed<T>(limit: Int, _ decode: (UInt64) -> T?) -> [T]? {
            guard let range = lengthDelimited() else { return nil }
            var count = 0, p = range.lowerBound
            while p < range.upperBound {
                count &+= base[p] < 0x80 ? 1 : 0
                p &+= 1
            }
            guard count <= limit, range.isEmpty || base[range.upperBound - 1] < 0x80 else { return nil }
            var inner = Reader(UnsafeBufferPointer(start: base, count: end), range: range)
            var failed = false
            let out = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                while initialized < count {
                    guard let raw = inner.varint(), let value = decode(raw) else { failed = true; return }
                    (buffer.baseAddress! + initialized).initialize(to: value)
                    initialized += 1
                }
            }
            return failed || !inner.isAtEnd ? nil : out
        }
    }
}
