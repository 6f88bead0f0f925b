import Foundation
import XCTest

@testable import RecApp

/// `bench-floor` end to end: the C floor and the real cluster, both as processes, driven by the
/// same load generator. Asserts that both answer every request and that the table and the
/// per-step CPU come out — never a speed (speed is for the benchmark's own printout).
final class BenchFloorTests: XCTestCase {
    func testFloorAndClusterBothAnswerEveryRequestAndTheRatiosArePrinted() throws {
        let fixture = ServingTests.fixture
        let run = try CLI.run([
            "bench-floor", "--model", fixture.model, "--histories", fixture.dir + "/histories.tsv",
            "--shards", "2", "--concurrency", "1,4", "--coordinators", "1,2", "--coordinator-threads", "1,2", "--duration", "0.5", "--warmup", "0",
            "--core-requests", "200"
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = run.stdout.split(separator: "\n").filter { $0.contains("|") && !$0.contains("floor:") }
        XCTAssertEqual(rows.count, 8, run.stdout)
        for row in rows {
            XCTAssertFalse(row.contains("errors"), "a request went unanswered: \(row)")
            let ratios = row.split(separator: "|").last!.split(separator: " ").compactMap { Double($0.dropLast()) }
            XCTAssertEqual(ratios.count, 2, String(row))
            XCTAssertTrue(ratios.allSatisfy { $0 > 0 && $0.isFinite }, String(row))
        }
        XCTAssertTrue(run.stdout.contains("mean frame bytes"), run.stdout)
        XCTAssertEqual(run.stdout.components(separatedBy: "bench-core:").count - 1, 1, "bench-core runs once per shard count")
    }

    func testWrongFlagsAreRefusedWithTheirName() throws {
        let run = try CLI.run(["bench-floor", "--model", "m", "--histories", "h", "--shards", "1,x"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("--shards"), run.stderr)
    }

    func testProcStatParsingCountsUserAndSystemTicksAfterTheCommandName() {
        // The command name may hold spaces and parentheses; utime and stime are fields 14 and 15.
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 1000 1000 100"
        XCTAssertEqual(ProcessCPU.parseStat(stat, ticksPerSecond: 100), 3.0)
        XCTAssertNil(ProcessCPU.parseStat("garbage", ticksPerSecond: 100))
        XCTAssertNotNil(ProcessCPU.seconds(pid: getpid()))
    }
}
