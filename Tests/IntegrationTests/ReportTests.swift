import Foundation
import RecServer
import RecTestSupport
import XCTest

@testable import RecApp

/// The HTML reports: self-contained pages whose tables hold the text output's numbers and whose
/// charts draw one mark per datum (deploy/check-reports.sh opens them in headless Chromium).
final class ReportTests: XCTestCase {
    let small = [
        "--clusters", "12", "--top-clusters", "3", "--shortlist-length", "30", "--epochs", "3",
        "--embedding-dim", "16", "--profile-dim", "16", "--head-hidden", "32", "--threads", "1"
    ]

    /// The cells of every row of the text table, as the page must show them.
    func textRows(_ text: String) -> [[String]] {
        text.split(separator: "\n").filter { line in
            ["efficientrec", "ease", "pop", "itemknn", "kmeans", "itemitem"].contains { line.hasPrefix($0 + " ") }
        }.map { $0.split(separator: " ").map(String.init) }
    }

    func testEvaluateReportHoldsTheTextTablesNumbersAndThreeDrawnCharts() throws {
        let dir = TestFixtures.temporaryDirectory("report")
        let gen = try CLI.run(["generate", "--users", "300", "--items", "80", "--groups", "4", "--out", dir + "/data", "--seed", "5"])
        XCTAssertEqual(gen.status, 0, gen.stderr)
        let run = try CLI.run(
            ["evaluate", "--interactions", dir + "/data/interactions.tsv", "--items", dir + "/data/items.tsv", "--report", dir + "/r.html"]
                + small)
        XCTAssertEqual(run.status, 0, run.stderr)
        let page = try String(contentsOfFile: dir + "/r.html", encoding: .utf8)
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"))
        XCTAssertFalse(page.contains("http://") && page.contains("<script src"), "nothing loaded from the network")
        let rows = textRows(run.stdout)
        XCTAssertGreaterThanOrEqual(rows.count, 5, run.stdout)
        for row in rows {
            let html = "<tr>" + row.enumerated().map { n, cell in "<td\(n == 0 ? "" : " class=\"num\"")>\(cell)</td>" }.joined() + "</tr>"
            XCTAssertTrue(page.contains(html), "the page lacks the text row \(row)")
        }
        let charts = page.components(separatedBy: "<figure class=\"chart\">").dropFirst()
        XCTAssertEqual(charts.count, 3, "accuracy against C × L, popularity rank, cluster sizes")
        for chart in charts { XCTAssertGreaterThan(chart.components(separatedBy: "class=\"mark").count - 1, 0, chart.prefix(200).description) }
        XCTAssertTrue(page.contains("<dt>commit</dt>") && page.contains("<dt>machine</dt>") && page.contains("<dt>command</dt>"))
    }

    func testEveryDatumIsOneMarkAndTextIsEscaped() {
        let points = SVGChart.points(
            title: "t <x>", xLabel: "x", yLabel: "y", series: [.init(name: "a&b", points: [(1, 0.1), (10, 0.2), (100, 0.3)])],
            references: [("ease", 0.25), ("pop", 0.1)], logX: true)
        XCTAssertEqual(points.components(separatedBy: "class=\"mark").count - 1, 5)
        XCTAssertTrue(points.contains("t &lt;x&gt;") && points.contains("a&amp;b") && !points.contains("<x>"))
        let bars = SVGChart.bars(title: "b", valueLabel: "v", bars: [("ease", 53), ("efficientrec", 36)], highlight: "ease")
        XCTAssertEqual(bars.components(separatedBy: "class=\"mark").count - 1, 2)
        var report = LoadGenerator.Report()
        report.completed = 10
        report.p50 = 100
        report.p90 = 200
        report.p99 = 300
        report.latencyBins = [(10, 15, 0), (15, 22, 4), (22, 33, 6)]
        let page = ReportPages.bench(report, heading: "bench: test").rendered(provenance: [])
        XCTAssertEqual(page.components(separatedBy: "class=\"mark").count - 1, 2, "one bar per non-empty bin")
        XCTAssertTrue(page.contains("<td class=\"num\">100</td><td class=\"num\">200</td><td class=\"num\">300</td>"))
        let sizes = ReportPages.clusterSizes([3, 5, 5, 40], model: "m")
        XCTAssertEqual(sizes.components(separatedBy: "class=\"mark").count - 1, 3, "three occupied bins of cluster sizes")
    }
}
