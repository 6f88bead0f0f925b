import Foundation

/// Appends text to a file through a 1 MiB buffer; errors name the file.
public final class BufferedFileWriter {
    private let handle: FileHandle
    private let path: String
    private var buffer: [UInt8] = []
    private let capacity = 1 << 20

    public init(path: String) throws(DataError) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw DataError(file: path, line: 0, message: "cannot create the file")
        }
        self.handle = handle
        buffer.reserveCapacity(capacity)
    }

    public func write(_ text: String) throws(DataError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { try flush() }
    }

    public func flush() throws(DataError) {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw DataError(file: path, line: 0, message: "write failed: \(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws(DataError) {
        try flush()
        try? handle.close()
    }
}
