import RecData
import RecInference
import RecMath

/// Item–item co-occurrence counts XᵀX built from the sparse histories: Σ over users of |history|²
/// pairs, never a dense users × items product. Restricted to a chosen set of items (the top-N by
/// number of users), so the dense N × N result stays bounded however large the catalogue is.
public enum CooccurrenceGram {
    /// The `limit` items with the most counted interactions (ties: lower index), in that order.
    public static func topItems(
        log: InteractionLog, users: [Int]? = nil, scale: RatingScale, likedOnly: Bool,
        limit: Int
    ) -> [Int] {
        var counts = [Float](repeating: 0, count: log.items.count)
        forEachCounted(log: log, users: users, scale: scale, likedOnly: likedOnly) { items in
            for i in items { counts[i] += 1 }
        }
        let kept = TopK.select(counts, k: min(limit, counts.count)).filter { $0.score > 0 }
        return kept.map(\.index)
    }

    /// XᵀX over `items` (row/column k is items[k]); binary user vectors. Each of `threads` workers
    /// owns a contiguous band of rows, so the result does not depend on scheduling.
    public static func gram(
        log: InteractionLog, users: [Int]? = nil, items: [Int], scale: RatingScale, likedOnly: Bool,
        threads: Int
    ) -> Matrix {
        let n = items.count
        var position = [Int32](repeating: -1, count: log.items.count)
        for (k, i) in items.enumerated() { position[i] = Int32(k) }
        // Each user's counted items as positions in `items`, sorted (so a band is a contiguous slice).
        var offsets = [0], flat: [Int32] = []
        forEachCounted(log: log, users: users, scale: scale, likedOnly: likedOnly) { counted in
            var local = counted.compactMap { position[$0] >= 0 ? position[$0] : nil }
            local.sort()
            flat.append(contentsOf: local)
            offsets.append(flat.count)
        }
        var gram = Matrix(rows: n, cols: n)
        gram.values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            flat.withUnsafeBufferPointer { f in
                Parallel.forEachChunk(n, threads: threads, minimumChunk: 256) { band in
                    let lo = Int32(band.lowerBound), hi = Int32(band.upperBound)
                    for u in 0..<(offsets.count - 1) {
                        let start = offsets[u], end = offsets[u + 1]
                        var a = start
                        while a < end {
                            let i = f[a]
                            if i >= hi { break }
                            if i >= lo {
                                let row = base + Int(i) * n
                                for b in start..<end { row[Int(f[b])] += 1 }
                            }
                            a += 1
                        }
                    }
                }
            }
        }
        return gram
    }

    /// Calls `body` with each selected user's counted items (liked ones with `likedOnly`), duplicates removed.
    static func forEachCounted(
        log: InteractionLog, users: [Int]?, scale: RatingScale, likedOnly: Bool,
        _ body: ([Int]) -> Void
    ) {
        let selected = users ?? Array(0..<log.users.count)
        var seen = Set<Int>()
        var items: [Int] = []
        for u in selected {
            items.removeAll(keepingCapacity: true)
            seen.removeAll(keepingCapacity: true)
            for k in log.userOffsets[u]..<log.userOffsets[u + 1] where !likedOnly || scale.isLiked(log.ratings[k]) {
                let i = Int(log.itemIndices[k])
                if seen.insert(i).inserted { items.append(i) }
            }
            body(items)
        }
    }
}
