import RecMath

extension VoteAccumulator {
    /// The two-stage ranking: the touched items not excluded are the pool (the union of the user's
    /// top clusters' shortlists); each is scored by its item–item score Σ over `history` of
    /// B[j, i] plus `voteWeight` times its vote, each of the two normalised by its largest
    /// magnitude in the pool, so the blend does not depend on how long the history is or how
    /// strong the clusters are:
    ///
    ///     score(i) = ii(i) / max|ii| + voteWeight · vote(i) / max|vote|
    ///
    /// (a term whose maximum is 0 counts 0). With `bounds`, each term is divided by its bound
    /// instead of its pool maximum (`BlendScale.bound`: known before scoring, so a part of the pool
    /// ranks as the whole would; a bound of 0 counts the term 0). The top k, best first (ties: lower item index);
    /// resets the accumulator. `history`: distinct item indices in a fixed order (the sums are
    /// float additions in that order, so the coordinator and the offline path agree bit for bit).
    /// Only the pool's items are accumulated: the cost is |history| × row length, then one pass
    /// over the pool.
    public mutating func topTwoStage(
        k: Int, excluding: [Int], reduction: VoteReduction, itemModel: ItemItemWeights,
        history: [Int], voteWeight: Float,
        bounds: (vote: Float, itemItem: Float)? = nil
    ) -> [(index: Int, score: Float)] {
        let itemCount = sums.count
        if secondStage.count < itemCount {
            secondStage = [Float](repeating: 0, count: itemCount)
            poolMask = [Float](repeating: 0, count: itemCount)
        }
        for i in excluding where i >= 0 && i < itemCount { excludedMask[i] = true }
        var heap = TopK.BoundedHeap(k: k)
        let pool = touched[0..<touchedCount]
        for t in pool { poolMask[Int(t)] = 1 }
        secondStage.withUnsafeMutableBufferPointer { ii in
            poolMask.withUnsafeBufferPointer { inPool in
                Self.scatterItemItem(itemModel, history: history, itemCount: itemCount, inPool: inPool, into: ii)
            }
            // The scatter is done: the pool mask's slot of each pool item holds its vote from here
            // on (computed once), and every mark is cleared in the ranking pass.
            sums.withUnsafeMutableBufferPointer { sums in
                counts.withUnsafeMutableBufferPointer { counts in
                    excludedMask.withUnsafeBufferPointer { excluded in
                        poolMask.withUnsafeMutableBufferPointer { vote in
                            marked.withUnsafeMutableBufferPointer { marked in
                                let scratch = PoolScratch(
                                    itemItem: ii, vote: vote, sums: sums, counts: counts,
                                    excluded: excluded, marked: marked)
                                var (maxVote, maxItemItem) = scratch.storeVotes(
                                    pool, reduction: reduction,
                                    measuringMaxima: bounds == nil)
                                if let bounds {
                                    maxVote = bounds.vote.isFinite ? bounds.vote : 0
                                    maxItemItem = bounds.itemItem.isFinite ? bounds.itemItem : 0
                                }
                                let voteScale: Float = maxVote > 0 ? voteWeight / maxVote : 0
                                let itemItemScale: Float = maxItemItem > 0 ? 1 / maxItemItem : 0
                                scratch.offerAndClear(pool, itemItemScale: itemItemScale, voteScale: voteScale, to: &heap)
                            }
                        }
                    }
                }
            }
        }
        for i in excluding where i >= 0 && i < itemCount { excludedMask[i] = false }
        touchedCount = 0
        return heap.sorted()
    }

    /// The item–item scatter: for every history item j (in `history` order), adds B[j, i] · inPool[i]
    /// to `ii[i]` for every target i of row j, so the pool's items (`inPool` 1) accumulate their
    /// item–item score and the rest stay 0.
    @inline(__always)
    private static func scatterItemItem(
        _ itemModel: ItemItemWeights, history: [Int], itemCount: Int,
        inPool: UnsafeBufferPointer<Float>, into ii: UnsafeMutableBufferPointer<Float>
    ) {
        itemModel.targets.withUnsafeBufferPointer { targets in
            itemModel.weights.withUnsafeBufferPointer { weights in
                // Branch-free: items outside the pool add w · 0 and stay 0 (whether a row's
                // target is in the pool is a coin flip the branch predictor loses).
                // Every target is below `targetLimit`: with that many items or more the
                // loop needs no range check per entry (the common case, checked once).
                let unchecked = itemModel.targetLimit <= itemCount
                for j in history where j >= 0 && j < itemModel.rowCount {
                    let row = itemModel.offsets[j]..<itemModel.offsets[j + 1]
                    if unchecked {
                        for e in row { let t = Int(targets[e]); ii[t] += weights[e] * inPool[t] }
                    } else {
                        for e in row {
                            let t = Int(targets[e])
                            if t >= 0 && t < itemCount { ii[t] += weights[e] * inPool[t] }
                        }
                    }
                }
            }
        }
    }

    /// The accumulator's storage during the ranking pass over the pool, as raw buffers: the
    /// item–item scores, the votes (the pool mask's storage), the vote sums and counts, the
    /// exclusion marks and the touched marks.
    private struct PoolScratch {
        let itemItem: UnsafeMutableBufferPointer<Float>
        let vote: UnsafeMutableBufferPointer<Float>
        let sums: UnsafeMutableBufferPointer<Int64>
        let counts: UnsafeMutableBufferPointer<Int32>
        let excluded: UnsafeBufferPointer<Bool>
        let marked: UnsafeMutableBufferPointer<Bool>

        /// Stores each pool item's vote; with `measuringMaxima`, returns the largest magnitudes of
        /// the vote and of the item–item score over the pool's items not excluded (else zeros).
        @inline(__always)
        func storeVotes(
            _ pool: ArraySlice<Int32>, reduction: VoteReduction,
            measuringMaxima: Bool
        ) -> (vote: Float, itemItem: Float) {
            var maxVote: Float = 0, maxItemItem: Float = 0
            for t in pool {
                let i = Int(t)
                vote[i] = VoteAccumulator.score(sum: sums[i], count: counts[i], reduction: reduction)
                if measuringMaxima && !excluded[i] {
                    maxVote = Swift.max(maxVote, abs(vote[i]))
                    maxItemItem = Swift.max(maxItemItem, abs(itemItem[i]))
                }
            }
            return (maxVote, maxItemItem)
        }

        /// Offers every pool item not excluded to `heap` at its blended score, and clears every
        /// pool item's scratch and accumulator entries.
        @inline(__always)
        func offerAndClear(_ pool: ArraySlice<Int32>, itemItemScale: Float, voteScale: Float, to heap: inout TopK.BoundedHeap) {
            for t in pool {
                let i = Int(t)
                if !excluded[i] { heap.offer((i, itemItem[i] * itemItemScale + vote[i] * voteScale)) }
                itemItem[i] = 0
                vote[i] = 0
                sums[i] = 0
                counts[i] = 0
                marked[i] = false
            }
        }
    }
}
