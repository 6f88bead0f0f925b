import RecWire
import XCTest

@testable import RecServing

/// The simulations count time in whole microseconds; `at` makes them instants.
private func at(_ micros: UInt64) -> WallInstant { WallInstant(microsecondsSinceEpoch: micros) }

final class ConcurrencyLimitTests: XCTestCase {
    func settings(target: UInt64 = 10_000, maximum: Int = 1_000) -> ConcurrencyLimit.Settings {
        var s = ConcurrencyLimit.Settings(target: .microseconds(Int64(target)), maximum: maximum)
        s.minimum = 4
        s.window = .microseconds(100_000)
        s.minimumSamples = 10
        return s
    }

    /// `count` requests, each admitted at `start` and finished `latency` µs later, then one more
    /// (fast) request finishing at `windowEnd`, which closes the window.
    func finish(_ limit: inout ConcurrencyLimit, count: Int, latency: UInt64, start: UInt64, windowEnd: UInt64) {
        for _ in 0..<count { limit.record(started: at(start), now: at(start + latency)) }
        limit.record(started: at(windowEnd - 1), now: at(windowEnd))
    }

    func testTheInitialLimitIsClampedToTheRange() {
        XCTAssertEqual(ConcurrencyLimit(settings: settings(), initial: 64, now: 0).limit, 64)
        XCTAssertEqual(ConcurrencyLimit(settings: settings(maximum: 10), initial: 64, now: 0).limit, 10)
        XCTAssertEqual(ConcurrencyLimit(settings: settings(), initial: 1, now: 0).limit, 4)
    }

    func testSlowRequestsShrinkTheLimitOncePerRoundTrip() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 100, now: 0)
        // The limit is reached and 5 % of the window's requests are above the target: it shrinks,
        // by at most half, once the window ends.
        limit.noteRefusal()
        for _ in 0..<95 { limit.record(started: at(10_000), now: at(15_000)) }
        for _ in 0..<5 { limit.record(started: at(10_000), now: at(30_000)) }
        XCTAssertEqual(limit.limit, 100, "no decision before the window ends")
        limit.record(started: at(90_000), now: at(100_000))
        let first = limit.limit
        XCTAssertLessThan(first, 100)
        XCTAssertGreaterThanOrEqual(first, 50)
        // The next window's slow requests were admitted before the change: not counted again.
        limit.noteRefusal()
        finish(&limit, count: 50, latency: 40_000, start: 60_000, windowEnd: 200_000)
        XCTAssertEqual(limit.limit, first, "one decrease per round trip")
        // Requests admitted after the change and still slow shrink it again.
        limit.noteRefusal()
        finish(&limit, count: 50, latency: 40_000, start: 210_000, windowEnd: 300_000)
        XCTAssertLessThan(limit.limit, first)
    }

    func testTheFurtherAboveTheTargetTheStrongerTheCutButNeverBelowHalf() {
        var previous = 100
        for latency in [11_000, 14_000, 20_000, 80_000] as [UInt64] {
            var limit = ConcurrencyLimit(settings: settings(), initial: 100, now: 0)
            limit.noteRefusal()
            for _ in 0..<40 { limit.record(started: at(1), now: at(1 + latency)) }
            limit.record(started: at(100_000 - latency), now: at(100_000))
            XCTAssertLessThan(limit.limit, 100, "mean latency \(latency) µs: slow, so it shrinks")
            XCTAssertLessThanOrEqual(limit.limit, previous, "mean latency \(latency) µs: a cut at least as strong as for less")
            XCTAssertGreaterThanOrEqual(limit.limit, 50, "mean latency \(latency) µs: at most halved per round trip")
            previous = limit.limit
        }
        XCTAssertLessThan(previous, 80, "far above the target the cut is stronger than the mildest")
    }

    func testASuddenOverloadIsCutWithoutWaitingForTheWindow() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 64, now: 0)
        limit.noteRefusal()
        // 9 slow requests 45 ms into the 100 ms window: not yet enough evidence (minimumSamples 10).
        for _ in 0..<9 { limit.record(started: at(1_000), now: at(45_000)) }
        XCTAssertEqual(limit.limit, 64)
        // The 10th (most of the window too slow): cut at once.
        limit.record(started: at(1_000), now: at(45_000))
        XCTAssertLessThan(limit.limit, 64)
        // A mostly fast window with some slow requests waits for its end (the tolerance decides then).
        var mixed = ConcurrencyLimit(settings: settings(), initial: 64, now: 0)
        mixed.noteRefusal()
        for _ in 0..<30 { mixed.record(started: at(1_000), now: at(2_000)) }
        for _ in 0..<20 { mixed.record(started: at(1_000), now: at(30_000)) }
        XCTAssertEqual(mixed.limit, 64)
        mixed.record(started: at(99_000), now: at(100_000))
        XCTAssertLessThan(mixed.limit, 64, "40 % slow is above the 1 % tolerance")
    }

    func testTheLimitNeverGoesBelowTheMinimumAndAlwaysMovesWhenSlow() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 5, now: 0)
        limit.noteRefusal()
        finish(&limit, count: 20, latency: 50_000, start: 1, windowEnd: 100_000)
        XCTAssertEqual(limit.limit, 4, "10 times the target: it moves, and stops at the minimum")
        limit.noteRefusal()
        finish(&limit, count: 20, latency: 50_000, start: 100_001, windowEnd: 200_000)
        XCTAssertEqual(limit.limit, 4)
    }

    func testTheLimitGrowsOnlyWhenItWasReachedAndLatencyWasKept() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 10, now: 0)
        // Fast, but the limit was never reached (the load is below it): no reason to grow.
        finish(&limit, count: 20, latency: 1_000, start: 1, windowEnd: 100_000)
        XCTAssertEqual(limit.limit, 10)
        // Reached (a refusal) and fast: it grows.
        limit.noteRefusal()
        finish(&limit, count: 20, latency: 1_000, start: 100_001, windowEnd: 200_000)
        XCTAssertGreaterThan(limit.limit, 10)
        // Reached by an admission that filled it: grows again.
        let grown = limit.limit
        limit.admitted(inFlight: grown)
        finish(&limit, count: 20, latency: 1_000, start: 200_001, windowEnd: 300_000)
        XCTAssertGreaterThan(limit.limit, grown)
        let full = limit.limit
        limit.admitted(inFlight: full / 2)
        finish(&limit, count: 20, latency: 1_000, start: 300_001, windowEnd: 400_000)
        XCTAssertEqual(limit.limit, full, "half full is not reached")
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
        XCTAssertLessThan(limit.limit, 64)
    }

    func testTooFewRequestsDoNotGrowTheLimit() {
        var limit = ConcurrencyLimit(settings: settings(), initial: 50, now: 0)
        limit.noteRefusal()
        finish(&limit, count: 2, latency: 1_000, start: 1, windowEnd: 100_000)
        XCTAssertEqual(limit.limit, 50, "3 fast requests are too few to judge a percentile")
        limit.noteRefusal()
        finish(&limit, count: 20, latency: 1_000, start: 100_001, windowEnd: 200_000)
        XCTAssertGreaterThan(limit.limit, 50)
    }

    /// A simulated server whose latency grows with the requests in flight (base + n × service
    /// time), on 1 ms ticks, through phases of offered load and service time.
    struct Simulation {
        struct Phase { var seconds: Int; var arrivalsPerMs: Int; var perRequest: UInt64 }
        struct PhaseOutcome {
            var limits: [Int] = []  // every 100 ms
            var latencies: [UInt64] = []  // of requests finished in the phase's second half
            var admitted = 0, refused = 0
            var completedInSecondHalf = 0
            var p99: UInt64 { let s = latencies.sorted(); return s.isEmpty ? 0 : s[s.count * 99 / 100] }
        }
        static let base: UInt64 = 1_000

        static func run(_ phases: [Phase], limit: inout ConcurrencyLimit) -> [PhaseOutcome] {
            var inFlight: [(started: UInt64, done: UInt64)] = []
            var now: UInt64 = 0
            var outcomes: [PhaseOutcome] = []
            for phase in phases {
                var o = PhaseOutcome()
                let end = now + UInt64(phase.seconds) * 1_000_000, half = now + UInt64(phase.seconds) * 500_000
                while now < end {
                    now += 1_000
                    for _ in 0..<phase.arrivalsPerMs {
                        if inFlight.count < limit.limit {
                            inFlight.append((now, now + base + UInt64(inFlight.count + 1) * phase.perRequest))
                            limit.admitted(inFlight: inFlight.count)
                            o.admitted += 1
                        } else {
                            limit.noteRefusal()
                            o.refused += 1
                        }
                    }
                    for r in inFlight where r.done <= now {
                        limit.record(started: at(r.started), now: at(now))
                        if now > half { o.latencies.append(now - r.started); o.completedInSecondHalf += 1 }
                    }
                    inFlight.removeAll { $0.done <= now }
                    if now % 100_000 == 0 { o.limits.append(limit.limit) }
                }
                outcomes.append(o)
            }
            return outcomes
        }
    }

    /// Offered three times what the server can do within the target, the limit settles where
    /// latency meets the target, so admitted requests keep it at the 99th percentile and the
    /// server stays busy; when the server is fast again (the overload's cause is gone) the limit
    /// grows to the new level; when the load falls below capacity nothing is refused.
    func testUnderOverloadTheLimitSettlesNearTheTargetAndRecoversAfterwards() {
        let target: UInt64 = 10_000
        var limit = ConcurrencyLimit(settings: settings(target: target), initial: 200, now: 0)
        // Slow server: 250 µs per request in flight ⇒ the target allows 36 in flight, 3.6 per ms.
        // Then twice as fast (72 in flight, 7.2 per ms), still offered more; then a light load.
        let phases = Simulation.run(
            [
                .init(seconds: 20, arrivalsPerMs: 12, perRequest: 250),
                .init(seconds: 20, arrivalsPerMs: 12, perRequest: 125),
                .init(seconds: 10, arrivalsPerMs: 2, perRequest: 125)
            ], limit: &limit)
        let (slow, fast, light) = (phases[0], phases[1], phases[2])
        XCTAssertGreaterThan(slow.refused, slow.admitted, "three times the capacity is offered")
        XCTAssertLessThan(slow.limits[0], 200, "200 is far too many: shrunk within the first window")
        // Completions are seen on 1 ms ticks: one tick over the target is a probe just above it.
        XCTAssertLessThanOrEqual(slow.p99, target + 1_000, "admitted requests keep the target")
        XCTAssertTrue(slow.limits.suffix(100).allSatisfy { (20...40).contains($0) }, "settled near 36: \(slow.limits.suffix(100))")
        XCTAssertGreaterThan(Double(slow.completedInSecondHalf) / 10_000, 0.85 * 3.6, "the server is kept busy")
        // Recovery: the limit grows towards 72 and throughput follows, still within the target.
        XCTAssertGreaterThan(fast.limits.suffix(50).min()!, 50, "grown after the server got faster: \(fast.limits.suffix(50))")
        XCTAssertLessThanOrEqual(fast.p99, target + 1_000)
        XCTAssertGreaterThan(Double(fast.completedInSecondHalf) / 10_000, 0.85 * 7.2)
        // Below capacity: everything is admitted, quickly.
        XCTAssertEqual(light.refused, 0)
        XCTAssertLessThanOrEqual(light.p99, target)
    }

    func testSettingsAreValidated() {
        XCTAssertNil(settings().validationError())
        var s = settings()
        s.target = .zero
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
