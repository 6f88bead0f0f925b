import Foundation
import RecData
import RecInference
import RecMath

extension ItemItemFit {

    /// Each item's co-occurrence counts with the items it shares users with, the `width` largest
    /// kept (ties: lower index), sorted by item; and each item's user count (G's diagonal).
    struct Cooccurrence {
        var rows: [[(item: Int32, count: Float)]]
        var popularity: [Float]

        init(log: InteractionLog, users: [Int]?, width: Int, threads: Int) {
            let n = log.items.count
            // Each selected user's distinct items, and each item's users (compressed both ways).
            var userOffsets = [0], userItems: [Int32] = []
            var itemCounts = [Int](repeating: 0, count: n + 1)
            var seen = [Bool](repeating: false, count: n)
            for u in users ?? Array(0..<log.users.count) {
                let start = userItems.count
                for k in log.userOffsets[u]..<log.userOffsets[u + 1] where !seen[Int(log.itemIndices[k])] {
                    seen[Int(log.itemIndices[k])] = true
                    userItems.append(log.itemIndices[k])
                }
                for k in start..<userItems.count { seen[Int(userItems[k])] = false; itemCounts[Int(userItems[k]) + 1] += 1 }
                userOffsets.append(userItems.count)
            }
            popularity = (0..<n).map { Float(itemCounts[$0 + 1]) }
            for i in 0..<n { itemCounts[i + 1] += itemCounts[i] }
            var itemUsers = [Int32](repeating: 0, count: itemCounts[n])
            var cursor = itemCounts
            for u in 0..<(userOffsets.count - 1) {
                for k in userOffsets[u]..<userOffsets[u + 1] {
                    let i = Int(userItems[k])
                    itemUsers[cursor[i]] = Int32(u)
                    cursor[i] += 1
                }
            }
            var rows = [[(item: Int32, count: Float)]](repeating: [], count: n)
            rows.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress!
                Parallel.forEachChunk(n, threads: threads, minimumChunk: 64) { range in
                    var together = [Float](repeating: 0, count: n)
                    var touched: [Int] = []
                    for i in range {
                        touched.removeAll(keepingCapacity: true)
                        for k in itemCounts[i]..<itemCounts[i + 1] {
                            let u = Int(itemUsers[k])
                            for e in userOffsets[u]..<userOffsets[u + 1] {
                                let j = Int(userItems[e])
                                if together[j] == 0 { touched.append(j) }
                                together[j] += 1
                            }
                        }
                        var heap = TopK.BoundedHeap(k: width)
                        for j in touched {
                            if j != i { heap.offer((j, together[j])) }
                            together[j] = 0
                        }
                        base[i] = heap.sorted().map { (Int32($0.index), $0.score) }.sorted { $0.item < $1.item }
                    }
                }
            }
            self.rows = rows
        }
    }

    static func neighbourhood(
        log: InteractionLog, users: [Int]?, settings: Settings,
        status: ((String) -> Void)?
    ) throws(MathError) -> ItemItemWeights {
        let n = log.items.count
        let started = Date()
        // Every co-occurrence when the budget allows (the support's Gram is then exact), else each
        // item's strongest ones.
        let width = max(2 * settings.support, settings.cooccurrenceBudget / max(1, n))
        let g = Cooccurrence(log: log, users: users, width: width, threads: settings.threads)
        status?("item-item model: co-occurrences counted in " + String(format: "%.1f s", Date().timeIntervalSince(started)))
        // Column i's regression: b = (G_SS + λI)⁻¹ G_S,i over its support S. Each column is
        // written by one chunk only, so the result does not depend on scheduling.
        var columns = [[(source: Int32, weight: Float)]](repeating: [], count: n)
        var failure: MathError? = nil
        let lock = NSLock()
        BLAS.setThreads(1)
        defer { BLAS.setThreads(settings.threads) }
        var lastReport = Date()
        var done = 0
        columns.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachChunk(n, threads: settings.threads, minimumChunk: 16) { range in
                // Where each item sits in the current support (-1: not in it), over the catalogue.
                var position = [Int32](repeating: -1, count: n)
                for i in range {
                    let row = g.rows[i]
                    guard !row.isEmpty else { continue }
                    var support = TopK.BoundedHeap(k: settings.support)
                    for (j, c) in row { support.offer((Int(j), c)) }
                    let s = support.sorted().map(\.index).sorted()
                    switch Result(catching: { () throws(MathError) -> [Float] in
                        try solveColumn(g: g, support: s, target: i, lambda: settings.lambda, position: &position)
                    }) {
                    case let .success(b): base[i] = zip(s, b).map { (Int32($0), $1) }
                    case let .failure(error): lock.lock(); failure = failure ?? error; lock.unlock()
                    }
                    if i & 255 == 0 {
                        lock.lock()
                        done += 256
                        if Date().timeIntervalSince(lastReport) >= 10 {
                            lastReport = Date()
                            status?("item-item model: \(min(done, n)) of \(n) items solved")
                        }
                        lock.unlock()
                    }
                }
            }
        }
        if let failure { throw failure }
        // Transpose: column i's weights are row entries of its sources.
        var rows = [[(target: Int, weight: Float)]](repeating: [], count: n)
        for i in 0..<n {
            for (j, w) in columns[i] { rows[Int(j)].append((i, w)) }
        }
        status?("item-item model: fitted in " + String(format: "%.1f s", Date().timeIntervalSince(started)))
        return ItemItemWeights(rows: rows, keep: settings.neighbours)
    }

    /// One column's ridge regression on its support; a system that is not positive definite (pairs
    /// that neither item keeps count as 0) is solved again with 10 times the regularisation.
    /// `position` (all -1 on entry and on return) maps items to their place in the support, so G_SS
    /// is read by scanning the support's kept rows instead of searching them pair by pair.
    static func solveColumn(
        g: Cooccurrence, support s: [Int], target i: Int, lambda: Float,
        position: inout [Int32]
    ) throws(MathError) -> [Float] {
        let m = s.count
        for (k, item) in s.enumerated() { position[item] = Int32(k) }
        defer { for item in s { position[item] = -1 } }
        var gram = [Float](repeating: 0, count: m * m)
        for (x, item) in s.enumerated() {
            for (j, c) in g.rows[item] where position[Int(j)] >= 0 { gram[x * m + Int(position[Int(j)])] = c }
        }
        // A pair either item keeps: the kept one (both keep the same count when both keep it).
        for x in 0..<m {
            for y in (x + 1)..<m {
                let c = max(gram[x * m + y], gram[y * m + x])
                gram[x * m + y] = c
                gram[y * m + x] = c
            }
        }
        var rhs = [Float](repeating: 0, count: m)
        for (j, c) in g.rows[i] where position[Int(j)] >= 0 { rhs[Int(position[Int(j)])] = c }
        var lambda = lambda
        for attempt in 0..<4 {
            var a = Matrix(rows: m, cols: m, values: gram)!
            for x in 0..<m { a.values[x * m + x] = g.popularity[s[x]] + lambda }
            var b = rhs
            do {
                try Cholesky.solveInPlace(&a, &b)
                return b
            } catch .notPositiveDefinite where attempt < 3 {
                lambda *= 10
            }
        }
        throw MathError.notPositiveDefinite(leadingMinor: 0)
    }
}
