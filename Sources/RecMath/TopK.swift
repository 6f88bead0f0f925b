/// Selection of the k best entries with a total, deterministic order:
/// higher score first, then lower index.
public enum TopK {
    @inlinable @inline(__always)
    public static func better(_ a: (index: Int, score: Float), _ b: (index: Int, score: Float)) -> Bool {
        a.score > b.score || (a.score == b.score && a.index < b.index)
    }

    /// The top `k` of `scores` (skipping indices where `include` is false), best first.
    public static func select(
        _ scores: UnsafeBufferPointer<Float>, k: Int,
        include: (Int) -> Bool = { _ in true }
    ) -> [(index: Int, score: Float)] {
        var heap = BoundedHeap(k: k)
        for i in 0..<scores.count where include(i) { heap.offer((i, scores[i])) }
        return heap.sorted()
    }

    /// A bounded min-heap keeping the k best (index, score) pairs seen; NaN scores are ignored.
    /// The sifts move a hole through the heap's buffer (no swaps, no per-access uniqueness or
    /// bounds checks): the heap is on every ranking's hot path.
    public struct BoundedHeap {
        @usableFromInline let k: Int
        @usableFromInline var heap: [(index: Int, score: Float)] = []
        public init(k: Int) { self.k = max(0, k); heap.reserveCapacity(self.k) }

        /// The number of entries kept so far.
        public var count: Int { heap.count }

        @inlinable
        public mutating func offer(_ candidate: (index: Int, score: Float)) {
            guard k > 0, !candidate.score.isNaN else { return }
            if heap.count < k {
                heap.append(candidate)
                let last = heap.count - 1
                heap.withUnsafeMutableBufferPointer { Self.siftUp($0, from: last) }
            } else if better(candidate, heap[0]) {
                heap.withUnsafeMutableBufferPointer { Self.siftDown($0, placing: candidate, count: $0.count) }
            }
        }

        /// The kept entries, best first (a heap sort: the root is always the worst kept entry).
        public func sorted() -> [(index: Int, score: Float)] {
            var out = heap
            out.withUnsafeMutableBufferPointer { h in
                var end = h.count
                while end > 1 {
                    end -= 1
                    let worst = h[0]
                    Self.siftDown(h, placing: h[end], count: end)
                    h[end] = worst
                }
            }
            return out
        }

        /// Puts `entry` at the root of the first `count` entries and moves it down to its place.
        @inlinable
        static func siftDown(
            _ h: UnsafeMutableBufferPointer<(index: Int, score: Float)>, placing entry: (index: Int, score: Float),
            count n: Int
        ) {
            guard let base = h.baseAddress, n > 0 else { return }
            var i = 0
            while true {
                let l = 2 &* i &+ 1
                if l >= n { break }
                let r = l &+ 1
                var child = l
                if r < n && better(base[l], base[r]) { child = r }
                if better(entry, base[child]) { base[i] = base[child]; i = child } else { break }
            }
            base[i] = entry
        }

        /// Moves the entry at `start` up to its place.
        @inlinable
        static func siftUp(_ h: UnsafeMutableBufferPointer<(index: Int, score: Float)>, from start: Int) {
            guard let base = h.baseAddress else { return }
            let entry = base[start]
            var i = start
            while i > 0 {
                let p = (i &- 1) >> 1
                if better(base[p], entry) { base[i] = base[p]; i = p } else { break }
            }
            base[i] = entry
        }
    }

    public static func select(_ scores: [Float], k: Int, include: (Int) -> Bool = { _ in true }) -> [(index: Int, score: Float)] {
        scores.withUnsafeBufferPointer { select($0, k: k, include: include) }
    }

    /// The k best of arbitrary (index, score) pairs, best first (a heap: O(n log k)).
    public static func sorted(_ pairs: [(index: Int, score: Float)], k: Int) -> [(index: Int, score: Float)] {
        var heap = BoundedHeap(k: k)
        for p in pairs { heap.offer(p) }
        return heap.sorted()
    }
}
