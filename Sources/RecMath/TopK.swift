/// Selection of the k best entries with a total, deterministic order:
/// higher score first, then lower index.
public enum TopK {
    @inline(__always)
    public static func better(_ a: (index: Int, score: Float), _ b: (index: Int, score: Float)) -> Bool {
        a.score > b.score || (a.score == b.score && a.index < b.index)
    }

    /// The top `k` of `scores` (skipping indices where `include` is false), best first.
    public static func select(_ scores: UnsafeBufferPointer<Float>, k: Int,
                              include: (Int) -> Bool = { _ in true }) -> [(index: Int, score: Float)] {
        guard k > 0 else { return [] }
        // A bounded min-heap of size k keyed by `better`.
        var heap: [(index: Int, score: Float)] = []
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < heap.count && better(heap[worst], heap[l]) { worst = l }
                if r < heap.count && better(heap[worst], heap[r]) { worst = r }
                if worst == i { return }
                heap.swapAt(i, worst); i = worst
            }
        }
        func siftUp(_ start: Int) {
            var i = start
            while i > 0 {
                let p = (i - 1) / 2
                if better(heap[p], heap[i]) { heap.swapAt(p, i); i = p } else { return }
            }
        }
        for i in 0..<scores.count where include(i) {
            let s = scores[i]
            guard !s.isNaN else { continue }
            if heap.count < k {
                heap.append((i, s)); siftUp(heap.count - 1)
            } else if better((i, s), heap[0]) {
                heap[0] = (i, s); siftDown(0)
            }
        }
        return heap.sorted(by: better)
    }

    public static func select(_ scores: [Float], k: Int, include: (Int) -> Bool = { _ in true }) -> [(index: Int, score: Float)] {
        scores.withUnsafeBufferPointer { select($0, k: k, include: include) }
    }

    /// Sorts arbitrary (index, score) pairs best first.
    public static func sorted(_ pairs: [(index: Int, score: Float)], k: Int) -> [(index: Int, score: Float)] {
        Array(pairs.filter { !$0.score.isNaN }.sorted(by: better).prefix(max(0, k)))
    }
}
