/// Selection of the k best entries with a total, deterministic order:
/// higher score first, then lower index.
public enum TopK {
    @inlinable @inline(__always)
    public static func better(_ a: (index: Int, score: Float), _ b: (index: Int, score: Float)) -> Bool {
        a.score > b.score || (a.score == b.score && a.index < b.index)
    }

    /// The top `k` of `scores` (skipping indices where `include` is false), best first.
    public static func select(_ scores: UnsafeBufferPointer<Float>, k: Int,
                              include: (Int) -> Bool = { _ in true }) -> [(index: Int, score: Float)] {
        var heap = BoundedHeap(k: k)
        for i in 0..<scores.count where include(i) { heap.offer((i, scores[i])) }
        return heap.sorted()
    }

    /// A bounded min-heap keeping the k best (index, score) pairs seen; NaN scores are ignored.
    public struct BoundedHeap {
        @usableFromInline let k: Int
        @usableFromInline var heap: [(index: Int, score: Float)] = []
        public init(k: Int) { self.k = max(0, k); heap.reserveCapacity(self.k) }

        @inlinable
        public mutating func offer(_ candidate: (index: Int, score: Float)) {
            guard k > 0, !candidate.score.isNaN else { return }
            if heap.count < k {
                heap.append(candidate); siftUp(heap.count - 1)
            } else if better(candidate, heap[0]) {
                heap[0] = candidate; siftDown(0)
            }
        }

        /// The kept entries, best first (a heap sort: the root is always the worst kept entry).
        public func sorted() -> [(index: Int, score: Float)] {
            var copy = self
            var end = copy.heap.count
            while end > 1 {
                end -= 1
                copy.heap.swapAt(0, end)
                copy.siftDown(0, count: end)
            }
            return copy.heap
        }

        @usableFromInline
        mutating func siftDown(_ start: Int, count: Int? = nil) {
            let n = count ?? heap.count
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < n && better(heap[worst], heap[l]) { worst = l }
                if r < n && better(heap[worst], heap[r]) { worst = r }
                if worst == i { return }
                heap.swapAt(i, worst); i = worst
            }
        }

        @usableFromInline
        mutating func siftUp(_ start: Int) {
            var i = start
            while i > 0 {
                let p = (i - 1) / 2
                if better(heap[p], heap[i]) { heap.swapAt(p, i); i = p } else { return }
            }
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
