import RecMath

/// The merge of item-partitioned shards' answers: each list is one shard's top k of its own items
/// (disjoint item sets), so the top k of their union is the top k over all items — the same
/// items, scores and order (ties: lower item index) as ranking every item in one place.
public enum TopKMerge {
    public static func top(k: Int, of lists: [[(index: Int, score: Float)]]) -> [(index: Int, score: Float)] {
        var heap = TopK.BoundedHeap(k: k)
        for list in lists {
            for entry in list { heap.offer(entry) }
        }
        return heap.sorted()
    }
}
