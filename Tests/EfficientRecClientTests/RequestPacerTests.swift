import RecMath
import RecWire
import XCTest

@testable import EfficientRecClient

final class RequestPacerTests: XCTestCase {
    func pacer(count: Int, window: Int = 8, maxWindow: Int = 64) -> RequestPacer {
        RequestPacer(count: count, settings: .init(initialWindow: window, maxWindow: maxWindow))
    }

    func testSendsInOrderUpToTheWindowAndTheBatch() {
        var p = pacer(count: 20, window: 8)
        XCTAssertEqual(p.next(now: 0, maxBatch: 5), [0, 1, 2, 3, 4])
        XCTAssertEqual(p.next(now: 0, maxBatch: 5), [5, 6, 7], "the window of 8 is full")
        XCTAssertEqual(p.next(now: 0, maxBatch: 5), [])
        XCTAssertEqual(p.outstanding, 8)
        XCTAssertTrue(p.answered(0))
        XCTAssertFalse(p.answered(0), "a duplicate reply is ignored")
        XCTAssertEqual(p.next(now: 0, maxBatch: 5), [8], "one answer frees one slot (the window grew by 1/8)")
    }

    func testOneRefusedBatchHalvesTheWindowOnce() {
        var p = pacer(count: 100, window: 64, maxWindow: 64)
        let batch = p.next(now: 0, maxBatch: 64)
        XCTAssertEqual(batch.count, 64)
        for i in batch { XCTAssertTrue(p.refused(i, now: 10, jitter: 0)) }
        XCTAssertEqual(p.window, 32, "64 refusals of requests sent before the decrease count once")
        XCTAssertEqual(p.outstanding, 0)
        XCTAssertEqual(p.next(now: 10, maxBatch: 64), Array(64..<96), "fresh requests go while the refused ones back off")
        XCTAssertEqual(p.nextDue, 2_510, "the first backoff: half the minimum at jitter 0")
        for i in 64..<96 { p.refused(i, now: 20, jitter: 0.999) }
        XCTAssertEqual(p.window, 16, "a request sent after the decrease that is refused again halves it again")
        XCTAssertEqual(p.next(now: 2_510, maxBatch: 64), Array(0..<16), "retries go first, in order, once due")
    }

    func testBackoffDoublesPerRefusalUpToTheMaximum() {
        var p = pacer(count: 1, window: 1)
        var now: WallInstant = 0
        var delays: [Duration] = []
        for _ in 0..<10 {
            XCTAssertEqual(p.next(now: now, maxBatch: 1), [0])
            p.refused(0, now: now, jitter: 1)
            let due = p.nextDue!
            delays.append(due - now)
            XCTAssertEqual(p.next(now: due + .microseconds(-1), maxBatch: 1), [], "not before its backoff is over")
            now = due
        }
        XCTAssertEqual(delays, [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 500_000, 500_000, 500_000].map { .microseconds($0) })
        XCTAssertEqual(p.window, 1, "never below one request")
        XCTAssertEqual(p.next(now: now, maxBatch: 1), [0])
        XCTAssertTrue(p.answered(0))
        XCTAssertTrue(p.isFinished)
    }

    func testUnsentRequestsGoFirstNextTime() {
        var p = pacer(count: 10, window: 4)
        let first = p.next(now: 0, maxBatch: 4)
        p.unsent(first)
        XCTAssertEqual(p.outstanding, 0)
        XCTAssertEqual(p.next(now: 0, maxBatch: 4), first)
    }

    /// Against a simulated coordinator that admits at most `limit` requests in flight (and refuses
    /// the rest at once), every request is answered exactly once, whatever the limit and the
    /// latencies, and the window settles near the limit instead of retrying forever.
    func testEveryRequestFinishesAgainstAnyAdmissionLimit() {
        for limit in [1, 3, 7, 64, 500] {
            for seed: UInt64 in 1...5 {
                var random = SeededRandom(seed: seed &* 31 &+ UInt64(limit))
                var p = pacer(count: 1_000, window: 256, maxWindow: 256)
                var inFlight: [(done: WallInstant, index: Int)] = []
                var answers = Array(repeating: 0, count: 1_000)
                var now: WallInstant = 0
                var steps = 0
                while !p.isFinished {
                    steps += 1
                    XCTAssertLessThan(steps, 1_000_000, "limit \(limit), seed \(seed): the pacer made no progress")
                    if steps >= 1_000_000 { return }
                    for i in p.next(now: now, maxBatch: 64) {
                        if inFlight.count < limit {
                            inFlight.append((now + .microseconds(200 + Int64(random.next() % 2_000)), i))
                        } else {
                            XCTAssertTrue(p.refused(i, now: now, jitter: random.unitDouble()))
                        }
                    }
                    let due = inFlight.map(\.done).min() ?? WallInstant(microsecondsSinceEpoch: .max)
                    let retry = p.nextDue ?? WallInstant(microsecondsSinceEpoch: .max)
                    now = max(now + .microseconds(1), min(due, retry))
                    for r in inFlight where r.done <= now {
                        XCTAssertTrue(p.answered(r.index))
                        answers[r.index] += 1
                    }
                    inFlight.removeAll { $0.done <= now }
                }
                XCTAssertEqual(answers, Array(repeating: 1, count: 1_000), "limit \(limit), seed \(seed)")
                XCTAssertEqual(p.outstanding, 0)
                if limit >= 64 {
                    XCTAssertLessThan(p.refusals, 1_000, "limit \(limit): refusals stay a fraction of the requests")
                }
            }
        }
    }
}
