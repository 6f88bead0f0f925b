import XCTest

@testable import RecApp

/// Progress as a person sees it: one bar redrawn in place on a terminal; in a log, a line per phase
/// and one at least every interval within a long phase — so a long job is visibly alive.
final class ProgressReporterTests: XCTestCase {
    func testTheBarShowsPhaseShareCountsRateAndTimeLeft() {
        let bar = ProgressBar(
            phase: "training epoch 3/20", done: 1_200, total: 3_400, unit: "batches", rate: 5_512.4, rateUnit: "examples",
            secondsLeft: 72.2, detail: "loss 4.1212")
        XCTAssertEqual(
            bar.rendered(),
            "training epoch 3/20  [#######.............]   35%  1,200/3,400 batches  5,512 examples/s  ETA 1:13  loss 4.1212")
        XCTAssertEqual(ProgressBar(phase: "reading", done: 12, total: nil, unit: "lines").rendered(), "reading  12 lines")
        XCTAssertEqual(ProgressBar(phase: "p", done: 9, total: 4, unit: "x").fraction, 1, "clamped")
        XCTAssertEqual(ProgressBar.clock(3_725), "1:02:05")
        XCTAssertEqual(ProgressBar.grouped(-1_234_567), "-1,234,567")
        // Absurd estimates (a rate near zero early on) are shown, never trapped on.
        let wild = ProgressBar(phase: "p", done: 1, total: 2, unit: "x", rate: 1e300, secondsLeft: 1e300).rendered()
        XCTAssertTrue(wild.contains("ETA 277777:46:40"), wild)
    }

    func testALogGetsALineWhenAPhaseCompletesAndOneEveryIntervalWithinALongPhase() {
        var lines: [String] = []
        var t = 0.0
        let reporter = ProgressReporter(interactive: false, interval: 10, now: { t }, write: { lines.append($0) })
        // A long epoch of 1,000 batches, one every 0.1 s (100 s): a line every 10 s, the last at its end.
        for b in 1...1_000 {
            t = Double(b) * 0.1
            reporter.update(ProgressBar(phase: "epoch 1/2", done: b, total: 1_000, unit: "batches"))
        }
        XCTAssertTrue((10...11).contains(lines.count), "\(lines.count) lines")
        XCTAssertTrue(lines.last?.contains("1,000/1,000 batches") ?? false, "the completed phase has its line")
        XCTAssertTrue(lines.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") }, "plain lines")
        // Short phases (a second each): one line each.
        lines.removeAll()
        for e in 2...6 {
            for b in 1...10 {
                t += 0.1
                reporter.update(ProgressBar(phase: "epoch \(e)/6", done: b, total: 10, unit: "batches"))
            }
        }
        XCTAssertEqual(lines.count, 5)
        XCTAssertTrue(lines[0].hasPrefix("epoch 2/6") && lines[0].contains("10/10"), "each at its end: \(lines[0])")
        // Without a total, a line when a phase begins.
        lines.removeAll()
        reporter.update(ProgressBar(phase: "counting", done: 1, total: nil, unit: "rows"))
        reporter.update(ProgressBar(phase: "counting", done: 2, total: nil, unit: "rows"))
        XCTAssertEqual(lines, ["counting  1 rows\n"])
    }

    func testATerminalGetsOneLineRedrawnAtMostTenTimesASecond() {
        var out = ""
        var t = 0.0
        let reporter = ProgressReporter(interactive: true, now: { t }, write: { out += $0 })
        for b in 1...100 {
            t = Double(b) * 0.01  // a second in all
            reporter.update(ProgressBar(phase: "scoring", done: b, total: 100, unit: "users"))
        }
        reporter.finish()
        let draws = out.components(separatedBy: "\r").count - 1
        XCTAssertTrue((10...12).contains(draws), "\(draws) redraws in a second, the last at 100 %")
        XCTAssertFalse(out.dropLast().contains("\n"), "one line, redrawn in place")
        XCTAssertTrue(out.hasSuffix("100/100 users\u{1B}[K\n"), "the finished bar stays, then a new line")
    }
}
