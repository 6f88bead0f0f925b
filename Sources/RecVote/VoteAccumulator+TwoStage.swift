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
    public mutating func topTwoStage(k: Int, excluding: [Int], reduction: VoteReduction, itemModel: ItemItemWeights,
                                     history: [Int], voteWeight: Float,
                                     bounds: (vote: Float, itemItem: Float)? = nil) -> [(index: Int, score: Float)] {
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
            // The scatter is done: the pool mask's slot of each pool item holds its vote from here
            // on (computed once), and every mark is cleared in the ranking pass.
            sums.withUnsafeMutableBufferPointer { sums in
                counts.withUnsafeMutableBufferPointer { counts in
                    excludedMask.withUnsafeBufferPointer { excluded in
                        poolMask.withUnsafeMutableBufferPointer { vote in
                            marked.withUnsafeMutableBufferPointer { marked in
                                var maxVote: Float = 0, maxItemItem: Float = 0
                                for t in pool {
                                    let i = Int(t)
                                    vote[i] = Self.score(sum: sums[i], count: counts[i], reduction: reduction)
                                    if bounds == nil && !excluded[i] {
                                        maxVote = Swift.max(maxVote, abs(vote[i]))
                                        maxItemItem = Swift.max(maxItemItem, abs(ii[i]))
                                    }
                                }
                                if let bounds {
                                    maxVote = bounds.vote.isFinite ? bounds.vote : 0
                                    maxItemItem = bounds.itemItem.isFinite ? bounds.itemItem : 0
                                }
                                let voteScale: Float = maxVote > 0 ? voteWeight / maxVote : 0
                                let itemItemScale: Float = maxItemItem > 0 ? 1 / maxItemItem : 0
                                for t in pool {
                                    let i = Int(t)
                                    if !excluded[i] { heap.offer((i, ii[i] * itemItemScale + vote[i] * voteScale)) }
                                    ii[i] = 0
                                    vote[i] = 0
                                    sums[i] = 0
                                    counts[i] = 0
                                    marked[i] = false
                                }
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
}
