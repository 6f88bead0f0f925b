import Dispatch

/// Splits 0..<count into `threads` contiguous chunks and runs them concurrently. Each index is
/// handled by exactly one chunk and nothing is reduced across chunks, so results do not depend on
/// scheduling: callers keep determinism by writing only to their own indices.
public enum Parallel {
    public static func forEachChunk(
        _ count: Int, threads: Int, minimumChunk: Int = 1,
        _ body: (Range<Int>) -> Void
    ) {
        let chunks = max(1, min(threads, count / max(1, minimumChunk)))
        guard chunks > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let chunkBody = UncheckedBody(run: escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let start = count * k / chunks, end = count * (k + 1) / chunks
                if start < end { chunkBody.run(start..<end) }
            }
        }
    }

    /// Like `forEachChunk`, also passing the chunk's number (0..<chunks, in index order), so each
    /// chunk can own per-chunk scratch. Returns the number of chunks used.
    @discardableResult
    public static func forEachIndexedChunk(
        _ count: Int, threads: Int, minimumChunk: Int = 1,
        _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
    ) -> Int {
        let chunks = chunkCount(count, threads: threads, minimumChunk: minimumChunk)
        guard chunks > 1 else {
            if count > 0 { body(0, 0..<count) }
            return chunks
        }
        withoutActuallyEscaping(body) { escapable in
            let chunkBody = UncheckedIndexedBody(run: escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let start = count * k / chunks, end = count * (k + 1) / chunks
                if start < end { chunkBody.run(k, start..<end) }
            }
        }
        return chunks
    }

    /// How many chunks `forEachIndexedChunk` splits `count` indices into.
    public static func chunkCount(_ count: Int, threads: Int, minimumChunk: Int = 1) -> Int {
        max(1, min(threads, count / max(1, minimumChunk)))
    }

    private struct UncheckedIndexedBody: @unchecked Sendable {
        let run: (Int, Range<Int>) -> Void
    }

    /// The caller guarantees that chunks touch disjoint memory.
    private struct UncheckedBody: @unchecked Sendable {
        let run: (Range<Int>) -> Void
    }
}
