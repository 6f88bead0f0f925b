import Foundation
import RecMath

/// The items one batch's decoder loss is computed over (sampled softmax with the logQ correction):
/// every example's targets (in-batch positives, which are the other examples'
/// negatives), the teacher's top items, and negatives drawn uniformly from the catalogue. Each
/// column carries log π_i, the log of the item's chance to be a candidate, which the loss subtracts
/// from the logits so the sampled softmax estimates the full one without favouring popular items.
/// When the draw would cover the catalogue, every item is a candidate and the correction is 0:
/// the loss is then the full softmax exactly.
public struct CandidateSet: Equatable, Sendable {
    /// Catalogue indices, in column order.
    public private(set) var items: [Int]
    /// log π per column (0 for a full candidate set).
    public private(set) var logInclusion: [Float]
    private var column: [Int: Int]
    /// Every catalogue item is a column, in catalogue order.
    public let isFull: Bool

    public var count: Int { items.count }

    /// Every item of the catalogue, no correction.
    public static func full(itemCount: Int) -> CandidateSet {
        CandidateSet(items: Array(0..<itemCount), logInclusion: [Float](repeating: 0, count: itemCount), column: [:], isFull: true)
    }

    /// - Parameters:
    ///   - required: items that must be columns (targets, teacher picks), in order of first appearance.
    ///   - negatives: uniform draws (with replacement) added after them.
    ///   - targetRate: per item, the chance that one example has it as a target; with `batchSize`
    ///     examples it gives the in-batch part of π.
    public static func sampled(
        required: [[Int]], negatives: Int, itemCount: Int, targetRate: [Float], batchSize: Int,
        rng: inout SeededRandom
    ) -> CandidateSet {
        guard negatives < itemCount else { return full(itemCount: itemCount) }
        var items: [Int] = [], column: [Int: Int] = [:]
        func add(_ i: Int) { if column[i] == nil { column[i] = items.count; items.append(i) } }
        for list in required { for i in list { add(i) } }
        for _ in 0..<negatives { add(rng.below(itemCount)) }
        // π = 1 − P(not a target of any example) · P(not drawn among the negatives).
        let missNegative = Foundation.pow(1 - 1 / Double(itemCount), Double(negatives))
        let logInclusion = items.map { i -> Float in
            let missTarget = Foundation.pow(1 - Double(min(max(targetRate[i], 0), 1)), Double(batchSize))
            return Float(Foundation.log(max(1 - missTarget * missNegative, 1e-12)))
        }
        return CandidateSet(items: items, logInclusion: logInclusion, column: column, isFull: false)
    }

    /// The column of catalogue item `item`, or nil when it is not a candidate.
    public func columnOf(_ item: Int) -> Int? {
        isFull ? (item >= 0 && item < items.count ? item : nil) : column[item]
    }
}
