import Foundation
import RecInference

/// Reads a model file in bounded pieces (1 MiB), so memory stays at what is kept.
struct SectionStream {
    let file: UnsafeMutablePointer<FILE>
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    init(file: UnsafeMutablePointer<FILE>) { self.file = file }

    mutating func read(_ count: Int) throws(ModelFileError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let got = count == 0 ? 0 : fread(&out, 1, count, file)
        guard got == count else { throw .truncated(section: "file") }
        return out
    }

    /// Reads `length` payload bytes, feeding each piece to `hash`; returns the first
    /// `keepingPrefix` bytes and the payload's CRC-32.
    mutating func consume(
        length: UInt64, keepingPrefix: Int, section: String,
        hash: (ArraySlice<UInt8>) -> Void
    ) throws(ModelFileError) -> ([UInt8], UInt32) {
        var left = length
        var crc = CRC32.Running()
        var prefix: [UInt8] = []
        while left > 0 {
            let want = Int(min(UInt64(buffer.count), left))
            let got = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, want, file) }
            guard got == want else { throw .truncated(section: section) }
            let piece = buffer[0..<got]
            crc.add(piece)
            hash(piece)
            if prefix.count < keepingPrefix { prefix.append(contentsOf: piece.prefix(keepingPrefix - prefix.count)) }
            left -= UInt64(got)
        }
        return (prefix, crc.value)
    }

    func atEnd() throws(ModelFileError) -> Bool {
        fgetc(file) == EOF
    }
}
