/// Per-column offsets that make a top-C assignment use every column about equally.
///
/// Each row of `scores` (a user's cluster logits) picks its C largest entries. When a few columns
/// are large for almost every row, almost every row picks the same columns (a collapsed
/// assignment: every user gets the same candidates). Subtracting an offset b_c from column c moves
/// users out of crowded clusters and into empty ones; this finds offsets under which every column
/// is picked by close to n·C/K rows — an equipartition in the spirit of SwAV's Sinkhorn step, for a
/// hard top-C assignment.
///
/// Coordinate updates: with every other offset fixed, row u keeps column c in its top C exactly when
/// the margin m_uc = (z_uc − b_c) − (the C-th best of the row's other adjusted scores) is ≥ 0, so the
/// shift of b_c that leaves T rows with c is the T-th largest margin. All columns move at once by a
/// damped step. Deterministic; no randomness.
public enum BalancedAssignment {
    /// Offsets b (one per column) under which each column is among the top `top` of `scores[u] − b`
    /// for about n·top/K rows. All zeros when there is nothing to balance (K ≤ top or no rows).
    public static func offsets(
        scores: Matrix, top: Int, iterations: Int = 40, damping: Float = 0.5,
        threads: Int = 1
    ) -> [Float] {
        let n = scores.rows, k = scores.cols
        var b = [Float](repeating: 0, count: k)
        guard n > 0, top >= 1, k > top else { return b }
        let target = max(1, min(n, Int((Double(n) * Double(top) / Double(k)).rounded())))
        // margins[c * n + u]: column-major, so each column's selection reads contiguous memory.
        var margins = [Float](repeating: 0, count: n * k)
        for _ in 0..<iterations {
            fillMargins(scores: scores, offsets: b, top: top, into: &margins, threads: threads)
            var step = [Float](repeating: 0, count: k)
            margins.withUnsafeMutableBufferPointer { m in
                let base = m.baseAddress!
                step.withUnsafeMutableBufferPointer { step in
                    let out = step.baseAddress!
                    Parallel.forEachChunk(k, threads: threads, minimumChunk: 16) { columns in
                        for c in columns {
                            let column = UnsafeMutableBufferPointer(start: base + c * n, count: n)
                            out[c] = largest(target, of: column)
                        }
                    }
                }
            }
            var moved: Float = 0
            for c in 0..<k where step[c].isFinite {
                b[c] += damping * step[c]
                moved = max(moved, abs(step[c]))
            }
            if moved < 1e-6 { break }
        }
        return b
    }

    /// How many rows pick each column among their top `top` of `scores[u] − offsets`.
    public static func counts(scores: Matrix, offsets: [Float], top: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: scores.cols)
        var adjusted = [Float](repeating: 0, count: scores.cols)
        for u in 0..<scores.rows {
            for c in 0..<scores.cols { adjusted[c] = scores.values[u * scores.cols + c] - (c < offsets.count ? offsets[c] : 0) }
            for (c, _) in TopK.select(adjusted, k: top) { counts[c] += 1 }
        }
        return counts
    }

    /// margins[c·n + u] = adjusted z_uc minus the C-th best adjusted score among row u's other columns.
    private static func fillMargins(scores: Matrix, offsets: [Float], top: Int, into margins: inout [Float], threads: Int) {
        let n = scores.rows, k = scores.cols
        scores.values.withUnsafeBufferPointer { z in
            offsets.withUnsafeBufferPointer { b in
                margins.withUnsafeMutableBufferPointer { m in
                    let out = m.baseAddress!
                    Parallel.forEachChunk(n, threads: threads, minimumChunk: 256) { rows in
                        var row = [Float](repeating: 0, count: k)
                        var best = [Float](repeating: -.infinity, count: top + 1)
                        for u in rows {
                            for c in 0..<k {
                                let v = z[u * k + c] - b[c]
                                row[c] = v.isNaN ? -.infinity : v
                            }
                            // The top + 1 largest adjusted scores, in decreasing order (insertion: top is small).
                            for j in 0...top { best[j] = -.infinity }
                            for c in 0..<k {
                                let v = row[c]
                                if v <= best[top] { continue }
                                var j = top
                                while j > 0 && best[j - 1] < v { best[j] = best[j - 1]; j -= 1 }
                                best[j] = v
                            }
                            // In the top C, a column competes with the (C+1)-th; outside it, with the C-th.
                            let inside = best[top], outside = best[top - 1]
                            for c in 0..<k {
                                let v = row[c]
                                let margin = v - (v >= outside ? inside : outside)
                                out[c * n + u] = margin.isNaN ? -.infinity : margin
                            }
                        }
                    }
                }
            }
        }
    }

    /// The `rank`-th largest value (1-based) of `values`, which it reorders (quickselect, median of three).
    static func largest(_ rank: Int, of values: UnsafeMutableBufferPointer<Float>) -> Float {
        var lo = 0, hi = values.count - 1
        let want = rank - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let a = values[lo], b = values[mid], c = values[hi]
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = lo, j = hi
            while i <= j {
                while values[i] > pivot { i += 1 }
                while values[j] < pivot { j -= 1 }
                if i <= j { values.swapAt(i, j); i += 1; j -= 1 }
            }
            if want <= j { hi = j } else if want >= i { lo = i } else { return values[want] }
        }
        return values[want]
    }
}
