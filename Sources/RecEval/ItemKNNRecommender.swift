import RecData
import RecInference
import RecMath

/// Item-kNN with cosine similarity on binary interaction vectors, `neighbors` kept per item;
/// score(j) = Σ over history items i of sim(i, j). The co-occurrence counts come from the sparse
/// histories (Σ over users of |history|² pairs, through an item → users index), one item at a
/// time, so memory is items × neighbours, never items².
public struct ItemKNNRecommender: EvaluatedRecommender {
    public let name = "itemknn"
    let neighbors: [[(index: Int, score: Float)]]
    let itemCount: Int

    public init(train: Dataset, neighbors: Int = 100, threads: Int = 1) {
        let log = train.log
        let n = log.items.count
        itemCount = n
        // Each user's distinct items, and the users of each item (CSR both ways).
        var userItems: [[Int32]] = []
        userItems.reserveCapacity(log.users.count)
        var counts = [Int](repeating: 0, count: n + 1)
        for u in 0..<log.users.count {
            let distinct = Array(Set(log.itemIndices[log.userOffsets[u]..<log.userOffsets[u + 1]])).sorted()
            for i in distinct { counts[Int(i) + 1] += 1 }
            userItems.append(distinct)
        }
        let popularity = (0..<n).map { Float(counts[$0 + 1]) }
        for i in 0..<n { counts[i + 1] += counts[i] }
        var itemUsers = [Int32](repeating: 0, count: counts[n])
        var cursor = counts
        for (u, items) in userItems.enumerated() {
            for i in items { itemUsers[cursor[Int(i)]] = Int32(u); cursor[Int(i)] += 1 }
        }
        var lists = [[(index: Int, score: Float)]](repeating: [], count: n)
        lists.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachChunk(n, threads: threads) { range in
                var together = [Float](repeating: 0, count: n)
                var touched: [Int] = []
                for i in range where popularity[i] > 0 {
                    touched.removeAll(keepingCapacity: true)
                    for k in counts[i]..<counts[i + 1] {
                        for j in userItems[Int(itemUsers[k])] {
                            let j = Int(j)
                            if together[j] == 0 { touched.append(j) }
                            together[j] += 1
                        }
                    }
                    var heap = TopK.BoundedHeap(k: neighbors)
                    let norm = popularity[i].squareRoot()
                    for j in touched {
                        if j != i { heap.offer((j, together[j] / (norm * popularity[j].squareRoot()))) }
                        together[j] = 0
                    }
                    base[i] = heap.sorted()
                }
            }
        }
        self.neighbors = lists
    }

    public func recommend(history: UserHistory, attributes: [Int], k: Int) -> [Int] {
        var scores = [Float](repeating: 0, count: itemCount)
        for i in Set(history.items).sorted() where i < itemCount { for (j, s) in neighbors[i] { scores[j] += s } }
        let seen = Set(history.items)
        return TopK.select(scores, k: k) { !seen.contains($0) && scores[$0] > 0 }.map(\.index)
    }
}
