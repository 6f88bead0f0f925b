import Foundation
import RecEval
import RecServer

/// The HTML reports of `evaluate`, `bench` and `compare`: the same numbers as their text output
/// (the tables come from the same cells) and the charts a person comparing models looks for.
enum ReportPages {
    /// `evaluate --report`: the tables, accuracy against the candidate pool C × L (baselines as
    /// reference lines), the popularity rank of each model's recommendations, the cluster sizes.
    static func evaluation(_ report: EvaluationReport) -> HTMLReport {
        var page = HTMLReport(title: "evaluate: \(report.dataset)")
        page.blocks.append(
            .paragraph(
                "\(report.protocolName): \(report.trainUsers) training users, \(report.testUsers) test users, "
                    + "\(report.items) items, seed \(report.seed)"))
        for threshold in report.thresholds {
            let rows = report.scores.filter { $0.relevanceThreshold == threshold }
            page.blocks.append(
                .heading(String(format: "relevant = held-out rating >= %.1f (%d users with at least one)", threshold, rows.first?.users ?? 0)))
            let cells = report.cells(threshold: threshold)
            page.blocks.append(
                .table(header: cells.header.map(\.0), rows: cells.rows.map { $0.map(\.0) }, numeric: Set(1..<cells.header.count)))
        }
        guard let threshold = report.thresholds.first, let k = report.cutoffs.first else { return page }
        let rows = report.scores.filter { $0.relevanceThreshold == threshold }
        let pooled = rows.filter { $0.candidatePool != nil }
        let points = pooled.map { (x: Double($0.candidatePool!), y: $0.ndcg[k] ?? 0) }
        let pools = points.map(\.x)
        page.blocks.append(
            .chart(
                SVGChart.points(
                    title: "NDCG@\(k) against the candidate pool C × L", xLabel: "C × L (items ranked per request)", yLabel: "NDCG@\(k)",
                    series: [SVGChart.Series(name: "EfficientRec", points: points)],
                    references: rows.filter { $0.candidatePool == nil }.map { ($0.model, $0.ndcg[k] ?? 0) },
                    logX: (pools.max() ?? 1) / max(pools.min() ?? 1, 1) > 8)))
        let ranked = rows.compactMap { s in s.meanPopularityRank.map { (label: s.model, value: $0) } }
        if !ranked.isEmpty {
            page.blocks.append(
                .chart(
                    SVGChart.bars(
                        title: "Mean popularity rank of the top \(k) (1 = the most popular item; higher = less popular)",
                        valueLabel: "mean popularity rank", bars: ranked, highlight: "ease")))
        }
        if let main = rows.first(where: { $0.clusterSizes != nil }), let sizes = main.clusterSizes, !sizes.isEmpty {
            page.blocks.append(.chart(clusterSizes(sizes, model: main.model)))
        }
        return page
    }

    /// The spread of training users over clusters (each user counted in each of their top C).
    static func clusterSizes(_ sizes: [Int], model: String) -> String {
        let sorted = sizes.sorted(), largest = Double(sorted.last ?? 1)
        let binCount = 20, width = max(1, (largest / Double(binCount)).rounded(.up))
        var counts = [Int](repeating: 0, count: binCount + 1)
        for s in sizes { counts[min(binCount, Int(Double(s) / width))] += 1 }
        let bins = counts.enumerated().map { (lower: Double($0) * width, upper: Double($0 + 1) * width, count: $1) }
        return SVGChart.histogram(
            title: "Cluster sizes of \(model): how many clusters have how many users", xLabel: "training users in the cluster",
            bins: bins, markers: [("median", Double(sorted[sorted.count / 2])), ("largest", largest)])
    }

    /// `bench --report`: the run's numbers and the latency distribution with its percentiles.
    static func bench(_ report: LoadGenerator.Report, heading: String) -> HTMLReport {
        var page = HTMLReport(title: "bench")
        page.blocks.append(.paragraph(heading))
        page.blocks.append(.paragraph(report.description))
        page.blocks.append(
            .table(
                header: ["answered", "seconds", "requests/s", "p50 µs", "p90 µs", "p99 µs", "max µs", "errors", "degraded", "without reply"],
                rows: [
                    [
                        "\(report.completed)", String(format: "%.1f", report.seconds), String(format: "%.0f", report.throughput),
                        "\(report.p50)", "\(report.p90)", "\(report.p99)", "\(report.max)", "\(report.errors)", "\(report.degraded)",
                        "\(report.timedOut)"
                    ]
                ], numeric: Set(0..<10)))
        page.blocks.append(
            .chart(
                SVGChart.histogram(
                    title: "Latency of answered requests", xLabel: "latency (µs, log scale)",
                    bins: report.latencyBins.map { (Double(max(1, $0.lower)), Double($0.upper), $0.count) },
                    markers: [("p50", Double(report.p50)), ("p90", Double(report.p90)), ("p99", Double(report.p99))], logX: true)))
        return page
    }

    /// `compare --report`: both lists with their popularity ranks, and each list's mean rank.
    static func comparison(_ outcome: CompareJob.Outcome, history: String, items: Int) -> HTMLReport {
        var page = HTMLReport(title: "compare")
        page.blocks.append(.paragraph("history \(history); \(outcome.unknownItems) history items unknown to the model"))
        var rows: [[String]] = []
        for list in outcome.lists {
            for (n, (id, r)) in zip(list.itemIDs, list.popularityRanks).enumerated() { rows.append([list.name, "\(n + 1)", id, "\(r)"]) }
        }
        page.blocks.append(.table(header: ["model", "rank", "item", "popularity_rank"], rows: rows, numeric: [1, 3]))
        page.blocks.append(
            .chart(
                SVGChart.bars(
                    title: "Mean popularity rank of each list (1 = the most popular of \(items) items)", valueLabel: "mean popularity rank",
                    bars: outcome.lists.map { ($0.name, $0.meanPopularityRank) }, highlight: "ease")))
        return page
    }
}
