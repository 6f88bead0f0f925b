import XCTest

@testable import RecMath

final class BLASTests: XCTestCase {
    func random(_ r: Int, _ c: Int, _ rng: inout SeededRandom) -> Matrix {
        Matrix(rows: r, cols: c) { _, _ in rng.uniform(-1, 1) }
    }

    func assertClose(_ a: Matrix, _ b: Matrix, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.rows, b.rows, file: file, line: line)
        XCTAssertEqual(a.cols, b.cols, file: file, line: line)
        for k in 0..<a.values.count {
            XCTAssertEqual(a.values[k], b.values[k], accuracy: tolerance, "entry \(k)", file: file, line: line)
        }
    }

    func testGemmMatchesReferenceForEveryTransposition() {
        var rng = SeededRandom(seed: 1)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = ta ? random(7, 5, &rng) : random(5, 7, &rng)
            let b = tb ? random(3, 7, &rng) : random(7, 3, &rng)
            assertClose(
                BLAS.product(a, transposeA: ta, b, transposeB: tb),
                ReferenceKernels.product(a, transposeA: ta, b, transposeB: tb))
        }
    }

    func testGemmAccumulatesWithBeta() {
        var rng = SeededRandom(seed: 2)
        let a = random(4, 6, &rng), b = random(6, 2, &rng)
        var c = Matrix(rows: 4, cols: 2, repeating: 1)
        BLAS.gemm(a, b, beta: 1, into: &c)
        assertClose(c, ReferenceKernels.product(a, b).map { $0 + 1 })
    }

    func testGemvMatchesProduct() {
        var rng = SeededRandom(seed: 3)
        let a = random(5, 4, &rng)
        let x = (0..<4).map { _ in rng.uniform(-1, 1) }
        let expected = ReferenceKernels.product(a, Matrix(rows: 4, cols: 1, values: x)!)
        let y = BLAS.gemv(a, x)
        for k in 0..<5 { XCTAssertEqual(y[k], expected.values[k], accuracy: 1e-5) }
        let xt = (0..<5).map { _ in rng.uniform(-1, 1) }
        let yt = BLAS.gemv(a, transpose: true, xt)
        let expectedT = ReferenceKernels.product(a, transposeA: true, Matrix(rows: 5, cols: 1, values: xt)!)
        for k in 0..<4 { XCTAssertEqual(yt[k], expectedT.values[k], accuracy: 1e-5) }
    }

    func testCholeskyInverseMatchesGaussJordan() throws {
        var rng = SeededRandom(seed: 4)
        let x = random(12, 8, &rng)
        var gram = BLAS.product(x, transposeA: true, x)
        for i in 0..<8 { gram[i, i] += 0.5 }
        let fast = try Cholesky.inverse(gram)
        assertClose(fast, ReferenceKernels.inverse(gram)!, tolerance: 1e-3)
        assertClose(BLAS.product(fast, gram), Matrix(rows: 8, cols: 8) { $0 == $1 ? 1 : 0 }, tolerance: 1e-3)
    }

    func testCholeskyRejectsIndefiniteAndNonSquare() {
        var m = Matrix(rows: 2, cols: 2)
        m[0, 0] = 1; m[1, 1] = -1
        XCTAssertThrowsError(try Cholesky.inverse(m)) { XCTAssertEqual($0 as? MathError, .notPositiveDefinite(leadingMinor: 2)) }
        XCTAssertThrowsError(try Cholesky.inverse(Matrix(rows: 2, cols: 3))) {
            XCTAssertEqual($0 as? MathError, .notSquare(rows: 2, cols: 3))
        }
    }

    func testTopKOrdersByScoreThenIndexAndSkipsNaN() {
        let scores: [Float] = [0.5, 0.9, .nan, 0.9, 0.1, 0.7]
        let top = TopK.select(scores, k: 4)
        XCTAssertEqual(top.map(\.index), [1, 3, 5, 0])
        XCTAssertEqual(TopK.select(scores, k: 10).count, 5)
        XCTAssertEqual(TopK.select(scores, k: 2) { $0 != 1 }.map(\.index), [3, 5])
        XCTAssertTrue(TopK.select(scores, k: 0).isEmpty)
        // The heap agrees with a full sort on random input.
        var rng = SeededRandom(seed: 9)
        let many = (0..<500).map { _ in Float(rng.below(50)) }
        let expected = many.enumerated().sorted { ($0.element, -$0.offset) > ($1.element, -$1.offset) }.prefix(37).map(\.offset)
        XCTAssertEqual(TopK.select(many, k: 37).map(\.index), expected)
    }

    func testSeededRandomIsDeterministicAndStreamsDiffer() {
        var a = SeededRandom(seed: 5), b = SeededRandom(seed: 5)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
        var s1 = SeededRandom.derived(seed: 5, stream: 1), s2 = SeededRandom.derived(seed: 5, stream: 2)
        XCTAssertNotEqual(s1.next(), s2.next())
        var r = SeededRandom(seed: 6)
        for _ in 0..<1000 {
            let u = r.unit()
            XCTAssertTrue(u >= 0 && u < 1)
            XCTAssertTrue((0..<7).contains(r.below(7)))
        }
    }

    func testMatrixHelpers() {
        let m = Matrix(rows: 2, cols: 3) { r, c in Float(r * 3 + c) }
        XCTAssertEqual(m.transposed()[2, 1], 5)
        XCTAssertEqual(m.gatherRows([1, 0]).values, [3, 4, 5, 0, 1, 2])
        XCTAssertEqual(m.columnSums(), [3, 5, 7])
        XCTAssertEqual(m.columns(1..<3).values, [1, 2, 4, 5])
        var s = Matrix(rows: 2, cols: 3)
        s.scatterAddRows([1, 1], from: m)
        XCTAssertEqual(s.values, [0, 0, 0, 3, 5, 7])
        XCTAssertNil(Matrix(rows: 2, cols: 2, values: [1, 2, 3]))
    }
}
