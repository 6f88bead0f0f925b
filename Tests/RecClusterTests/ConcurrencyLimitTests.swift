import XCTest
@testable import RecCluster

final class ConcurrencyLimitTests: XCTestCase {
    func settings(target: UInt64 = 10_000, maximum: Int = 1_000) -> ConcurrencyLimit.Settings {
        var s = ConcurrencyLimit.Settings(target: target, maximum: maximum)
        s.minimum = 4
        s.windowMicros = 100_000
        s.minimumSamples = 10
        return s
    }

    /// `count` requests, each admitted at `start` and finished `latency` µs later, then one more
    /// (fast) request finishing at `windowEnd`, which closes the window.
    func finish(_ limit: inout ConcurrencyLimit, count: Int, latency: UInt64, start: UInt64, windowEnd: UInt64) {
        for _ in 0..<count { limit.record(started: start, now: start + latency) }
        limit.record(started: windowEnd - 1, now: windowEnd)
    }

    func testTheInitialLimitIsClampedToTheRange() {
        XCTAssertEqual(ConcurrencyLimit(settings: settings(), initial: 64, now: 0).limit, 64)
        XCTAssertEqual(ConcurrencyLimit(settings: settings(maximum: 10), initial: 64, now: 0).limit, 10)
        XCTAssertEqual(ConcurrencyLimit(settings: settings(), initial: 1, now: 0).limit, 4)
    }

    func testSlowRequestsShrinkTheLimitOncePerRoundTrip() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 100, now: 0)
        // The limit is reached and 5 % of the window's requests are above the target: it shrinks
        // by the factor (0.8).
        limit.noteRefusal()
        for _ in 0..<95 { limit.record(started: 10_000, now: 15_000) }
        for _ in 0..<5 { limit.record(started: 10_000, now: 30_000) }
        XCTAssertEqual(limit.limit, 100, "no decision before the window ends")
        limit.record(started: 90_000, now: 100_000)
        XCTAssertEqual(limit.limit, 80)
        // The next window's slow requests were admitted before the change: not counted again
        // (and one fast request is too few to decide on).
        limit.noteRefusal()
        finish(&limit, count: 50, latency: 40_000, start: 60_000, windowEnd: 200_000)
        XCTAssertEqual(limit.limit, 80)
        // Requests admitted after the change and still slow shrink it again — four times the
        // target on average: by the strongest factor (0.5) rather than the mildest (0.8).
        limit.noteRefusal()
        finish(&limit, count: 50, latency: 40_000, start: 210_000, windowEnd: 300_000)
        XCTAssertEqual(limit.limit, 40)
    }

    func testTheDecreaseFollowsHowFarTheMeanIsAboveTheTarget() {
        for (latency, expected) in [(11_000, 80), (14_000, 71), (20_000, 50), (80_000, 50)] as [(UInt64, Int)] {
            var limit = ConcurrencyLimit(settings: settings(), initial: 100, now: 0)
            limit.noteRefusal()
            for _ in 0..<40 { limit.record(started: 1, now: 1 + latency) }
            limit.record(started: 100_000 - latency, now: 100_000)
            XCTAssertEqual(limit.limit, expected, "mean latency \(latency) µs")
        }
    }

    func testASuddenOverloadIsCutWithoutWaitingForTheWindow() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 64, now: 0)
        limit.noteRefusal()
        // 9 slow requests 45 ms into the 100 ms window: not yet enough evidence (minimumSamples 10).
        for _ in 0..<9 { limit.record(started: 1_000, now: 45_000) }
        XCTAssertEqual(limit.limit, 64)
        // The 10th (most of the window too slow): cut at once, by the strongest factor.
        limit.record(started: 1_000, now: 45_000)
        XCTAssertEqual(limit.limit, 32)
        // A mostly fast window with 20 slow requests waits for its end (the tolerance decides then).
        var mixed = ConcurrencyLimit(settings: settings(), initial: 64, now: 0)
        mixed.noteRefusal()
        for _ in 0..<30 { mixed.record(started: 1_000, now: 2_000) }
        for _ in 0..<20 { mixed.record(started: 1_000, now: 30_000) }
        XCTAssertEqual(mixed.limit, 64)
        mixed.record(started: 99_000, now: 100_000)
        XCTAssertEqual(mixed.limit, 51, "40 % slow, mean 12 ms: the mildest cut")
    }

    func testTheLimitNeverGoesBelowTheMinimumAndAlwaysMovesWhenSlow() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 5, now: 0)
        limit.noteRefusal()
        finish(&limit, count: 20, latency: 50_000, start: 1, windowEnd: 100_000)
        XCTAssertEqual(limit.limit, 4, "10 times the target: 5 × 0.5 would be 2, below the minimum")
        limit.noteRefusal()
        finish(&limit, count: 20, latency: 50_000, start: 100_001, windowEnd: 200_000)
        XCTAssertEqual(limit.limit, 4)
    }

    func testTheLimitGrowsOnlyWhenItWasReachedAndLatencyWasKept() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 10, now: 0)
        // Fast, but the limit was never reached (the load is below it): no reason to grow.
        finish(&limit, count: 20, latency: 1_000, start: 1, windowEnd: 100_000)
        XCTAssertEqual(limit.limit, 10)
        // Reached (a refusal) and fast: one more.
        limit.noteRefusal()
        finish(&limit, count: 20, latency: 1_000, start: 100_001, windowEnd: 200_000)
        XCTAssertEqual(limit.limit, 11)
        // Reached by an admission that filled it.
        limit.admitted(inFlight: 11)
        finish(&limit, count: 20, latency: 1_000, start: 200_001, windowEnd: 300_000)
        XCTAssertEqual(limit.limit, 12)
        limit.admitted(inFlight: 5)
        finish(&limit, count: 20, latency: 1_000, start: 300_001, windowEnd: 400_000)
        XCTAssertEqual(limit.limit, 12, "half full is not reached")
        // Never above the maximum.
        var capped = ConcurrencyLimit(settings: settings(maximum: 12), initial: 12, now: 0)
        capped.noteRefusal()
        finish(&capped, count: 20, latency: 1_000, start: 1, windowEnd: 100_000)
        XCTAssertEqual(capped.limit, 12)
    }

    func testSlowRequestsWhileTheLimitIsNotReachedChangeNothing() {
        // E.g. a replica died and its sub-requests wait for the attempt timeout: slow answers, but
        // the coordinator has room; shrinking the limit would refuse work for no reason.
        var limit = ConcurrencyLimit(settings: settings(), initial: 64, now: 0)
        finish(&limit, count: 50, latency: 60_000, start: 1, windowEnd: 100_000)
        XCTAssertEqual(limit.limit, 64)
        // Once it is reached, they count.
        limit.admitted(inFlight: 64)
        finish(&limit, count: 50, latency: 60_000, start: 100_001, windowEnd: 200_000)
        XCTAssertEqual(limit.limit, 32)
    }

    func testTooFewRequestsDoNotGrowTheLimit() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 50, now: 0)
        limit.noteRefusal()
        finish(&limit, count: 2, latency: 1_000, start: 1, windowEnd: 100_000)
        XCTAssertEqual(limit.limit, 50, "3 fast requests are too few to judge a percentile")
        limit.noteRefusal()
        finish(&limit, count: 20, latency: 1_000, start: 100_001, windowEnd: 200_000)
        XCTAssertEqual(limit.limit, 51)
    }

    /// A server whose latency grows with the requests in flight (base + n × service time), offered
    /// three times what it can serve: the limit settles around where latency meets the target
    /// (probing one above it now and then), so admitted requests keep the target at the 99th percentile.
    func testUnderOverloadTheLimitSettlesWhereLatencyKeepsTheTarget() {
        let target: UInt64 = 10_000, base: UInt64 = 1_000, perRequest: UInt64 = 250 // target ⇔ 36 in flight
        var limit = ConcurrencyLimit(settings: settings(target: target), initial: 200, now: 0)
        var inFlight: [(started: UInt64, done: UInt64)] = []
        var now: UInt64 = 0, admitted = 0, refused = 0
        var limits: [Int] = [], settledLatencies: [UInt64] = []
        let capacityPerMs = 4 // 1,000 µs / 250 µs
        while now < 20_000_000 {
            now += 1_000
            // Arrivals at 3 × capacity per ms.
            for _ in 0..<(3 * capacityPerMs) {
                if inFlight.count < limit.limit {
                    inFlight.append((now, now + base + UInt64(inFlight.count + 1) * perRequest))
                    limit.admitted(inFlight: inFlight.count)
                    admitted += 1
                } else {
                    limit.noteRefusal()
                    refused += 1
                }
            }
            let done = inFlight.filter { $0.done <= now }
            inFlight.removeAll { $0.done <= now }
            for r in done {
                limit.record(started: r.started, now: now)
                if now > 5_000_000 { settledLatencies.append(now - r.started) }
            }
            if now % 100_000 == 0 { limits.append(limit.limit) }
        }
        XCTAssertGreaterThan(refused, admitted, "three times the capacity is offered")
        let settled = limits.suffix(100)
        XCTAssertLessThanOrEqual(settled.max()!, 40, "\(settled)")
        XCTAssertGreaterThanOrEqual(settled.min()!, 20, "the limit does not collapse: \(settled)")
        XCTAssertLessThan(limits[0], 200, "200 is far too many: shrunk within the first window")
        settledLatencies.sort()
        let p99 = settledLatencies[settledLatencies.count * 99 / 100]
        // Completions are seen on 1 ms ticks: one tick over the target is the probe above it.
        XCTAssertLessThanOrEqual(p99, target + 1_000, "admitted requests keep the target")
        XCTAssertLessThanOrEqual(settledLatencies.last!, target + 1_000)
        let throughput = Double(settledLatencies.count) / 15_000 // per ms over the last 15 s
        // At the target (36 in flight, 10 ms each) the server completes 3.6 requests per ms.
        XCTAssertGreaterThan(throughput, 0.85 * 3.6, "throughput is kept near what the target allows: \(throughput)/ms")
    }

    func testSettingsAreValidated() {
        XCTAssertNil(settings().validationError())
        var s = settings()
        s.target = 0
        XCTAssertNotNil(s.validationError())
        s = settings(maximum: 2)
        XCTAssertNotNil(s.validationError(), "minimum 4 > maximum 2")
        s = settings()
        s.decrease = 1
        XCTAssertNotNil(s.validationError())
        s = settings()
        s.tolerance = 1
        XCTAssertNotNil(s.validationError())
    }
}
