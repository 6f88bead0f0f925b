import Foundation
import RecData
import RecMath

extension ItemItemFit {
    /// Each item's co-occurrence counts with the items it shares users with, the `width` largest
    /// kept (ties: lower index), sorted by item; and each item's user count (G's diagonal).
    struct Cooccurrence {
        var rows: [[(item: Int32, count: Float)]]
        var popularity: [Float]

        /// G[a, b] when a or b keeps the pair, else 0.
        func count(_ a: Int, _ b: Int) -> Float {
            if let c = Self.find(Int32(b), in: rows[a]) { return c }
            return Self.find(Int32(a), in: rows[b]) ?? 0
        }

        static func find(_ item: Int32, in row: [(item: Int32, count: Float)]) -> Float? {
            var lo = 0, hi = row.count
            while lo < hi { let mid = (lo + hi) >> 1; if row[mid].item < item { lo = mid + 1 } else { hi = mid } }
            return lo < row.count && row[lo].item == item ? row[lo].count : nil
        }

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

    static func neighbourhood(log: InteractionLog, users: [Int]?, settings: Settings,
                              status: ((String) -> Void)?) throws(MathError) -> ItemItemWeights {
        let n = log.items.count
        let started = Date()
        let g = Cooccurrence(log: log, users: users, width: 2 * settings.support, threads: settings.threads)
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
                for i in range {
                    let row = g.rows[i]
                    guard !row.isEmpty else { continue }
                    var support = TopK.BoundedHeap(k: settings.support)
                    for (j, c) in row { support.offer((Int(j), c)) }
                    let s = support.sorted().map(\.index).sorted()
                    switch Result(catching: { () throws(MathError) -> [Float] in
                        try solveColumn(g: g, support: s, target: i, lambda: settings.lambda)
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
    static func solveColumn(g: Cooccurrence, support s: [Int], target i: Int, lambda: Float) throws(MathError) -> [Float] {
        let m = s.count
        var lambda = lambda
        for attempt in 0..<4 {
            var a = Matrix(rows: m, cols: m)
            a.values.withUnsafeMutableBufferPointer { v in
                for x in 0..<m {
                    v[x * m + x] = g.popularity[s[x]] + lambda
                    for y in (x + 1)..<m {
                        let c = g.count(s[x], s[y])
                        v[x * m + y] = c
                        v[y * m + x] = c
                    }
                }
            }
            var b = s.map { g.count($0, i) }
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
