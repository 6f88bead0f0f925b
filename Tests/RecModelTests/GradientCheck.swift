import RecMath
import XCTest

/// Central finite differences against analytic gradients. Losses are accumulated in Double; the
/// step is large enough for Float32 parameters and the tolerance is relative.
enum GradientCheck {
    static func sum(_ m: Matrix, weightedBy r: Matrix) -> Double {
        zip(m.values, r.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Compares `analytic[k]` with (f(x + h e_k) − f(x − h e_k)) / 2h for up to `samples` entries.
    static func compare(
        _ analytic: Matrix, _ point: Matrix, step: Float = 1e-2, samples: Int = 40,
        tolerance: Double = 2e-2, label: String,
        file: StaticString = #filePath, line: UInt = #line,
        loss: (Matrix) -> Double
    ) {
        XCTAssertEqual(analytic.count, point.count, label, file: file, line: line)
        var rng = SeededRandom(seed: 99)
        let indices = point.count <= samples ? Array(0..<point.count) : (0..<samples).map { _ in rng.below(point.count) }
        var worst = 0.0
        for k in indices {
            var plus = point, minus = point
            plus.values[k] += step
            minus.values[k] -= step
            let numeric = (loss(plus) - loss(minus)) / Double(2 * step)
            let a = Double(analytic.values[k])
            let error = abs(a - numeric) / max(1e-2, abs(a) + abs(numeric))
            worst = max(worst, error)
            XCTAssertLessThan(error, tolerance, "\(label)[\(k)]: analytic \(a), numeric \(numeric)", file: file, line: line)
        }
        _ = worst
    }
}
