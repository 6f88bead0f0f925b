/// Sorting small integer lists (a request's history items) without the standard library's stable
/// merge sort, which allocates a buffer and calls a comparison closure per pair: an in-place
/// quicksort (median of three, insertion sort below 16 elements), then duplicates removed.
public enum SortedDistinct {
    /// `values` ascending, each once.
    public static func of(_ values: [Int]) -> [Int] {
        var out = values
        out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 1 else { return }
            sort(base, 0, buffer.count - 1)
        }
        guard out.count > 1 else { return out }
        var kept = 1
        out.withUnsafeMutableBufferPointer { b in
            for i in 1..<b.count where b[i] != b[kept - 1] {
                b[kept] = b[i]
                kept += 1
            }
        }
        out.removeLast(out.count - kept)
        return out
    }

    /// Sorts base[low...high] in place.
    static func sort(_ base: UnsafeMutablePointer<Int>, _ low: Int, _ high: Int) {
        var low = low, high = high
        while high - low >= 16 {
            // Median of three as the pivot, then Hoare partitioning.
            let mid = low + (high - low) / 2
            if base[mid] < base[low] { swap(base, mid, low) }
            if base[high] < base[low] { swap(base, high, low) }
            if base[high] < base[mid] { swap(base, high, mid) }
            let pivot = base[mid]
            var i = low, j = high
            while i <= j {
                while base[i] < pivot { i += 1 }
                while base[j] > pivot { j -= 1 }
                if i <= j { swap(base, i, j); i += 1; j -= 1 }
            }
            // Recurse into the smaller side, loop on the larger (stack depth O(log n)).
            if j - low < high - i {
                if low < j { sort(base, low, j) }
                low = i
            } else {
                if i < high { sort(base, i, high) }
                high = j
            }
        }
        // Insertion sort for the short remainder.
        if high > low {
            for i in (low + 1)...high {
                let v = base[i]
                var j = i - 1
                while j >= low && base[j] > v { base[j + 1] = base[j]; j -= 1 }
                base[j + 1] = v
            }
        }
    }

    @inline(__always)
    static func swap(_ base: UnsafeMutablePointer<Int>, _ a: Int, _ b: Int) {
        let t = base[a]; base[a] = base[b]; base[b] = t
    }
}
