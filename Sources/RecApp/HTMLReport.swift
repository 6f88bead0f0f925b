import Foundation

/// One self-contained HTML page: headings, paragraphs, tables and inline SVG charts, with its
/// provenance (the command, the commit, the machine, the date) on top. Nothing is loaded from the
/// network. A short script counts each chart's drawn marks (`data-drawn-marks`) and marks the page
/// `data-charts-drawn="all"` when every chart has some, for a headless-browser check.
public struct HTMLReport {
    public enum Block {
        case heading(String)
        case paragraph(String)
        /// Cells as text; `numeric` columns are right-aligned.
        case table(header: [String], rows: [[String]], numeric: Set<Int>)
        /// An SVG figure from `SVGChart`.
        case chart(String)
    }

    public var title: String
    public var blocks: [Block] = []

    public init(title: String) { self.title = title }

    /// What produced the report: the command line, the commit (when run in a git checkout), the machine and the date.
    public static func provenance() -> [(String, String)] {
        [
            ("command", CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")),
            ("commit", gitCommit() ?? "unknown (not run in a git checkout)"), ("machine", machine()),
            ("date", ISO8601DateFormatter().string(from: Date()))
        ]
    }

    public func rendered(provenance: [(String, String)] = HTMLReport.provenance()) -> String {
        var body = "<h1>\(SVGChart.escape(title))</h1>\n<dl class=\"provenance\">"
        for (key, value) in provenance { body += "<dt>\(SVGChart.escape(key))</dt><dd>\(SVGChart.escape(value))</dd>" }
        body += "</dl>\n"
        for block in blocks {
            switch block {
            case let .heading(text): body += "<h2>\(SVGChart.escape(text))</h2>\n"
            case let .paragraph(text): body += "<p>\(SVGChart.escape(text))</p>\n"
            case let .chart(svg): body += svg
            case let .table(header, rows, numeric):
                body += "<table><thead><tr>" + header.map { "<th>\(SVGChart.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
                for row in rows {
                    body +=
                        "<tr>"
                        + row.enumerated().map { n, cell in
                            "<td\(numeric.contains(n) ? " class=\"num\"" : "")>\(SVGChart.escape(cell))</td>"
                        }.joined() + "</tr>"
                }
                body += "</tbody></table>\n"
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(SVGChart.escape(title))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
            th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            dl.provenance { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; font-size: 12px; color: #555; }
            dl.provenance dd { margin: 0; font-family: monospace; }
            figure.chart { margin: 1.5em 0; }
            </style></head>
            <body>
            \(body)<script>
            (function () {
              var charts = document.querySelectorAll("figure.chart"), all = charts.length > 0;
              charts.forEach(function (c) { var n = c.querySelectorAll(".mark").length; c.dataset.drawnMarks = n; if (n === 0) all = false; });
              document.body.dataset.charts = charts.length;
              document.body.dataset.chartsDrawn = all ? "all" : "missing";
            })();
            </script>
            </body></html>

            """
    }

    /// Writes the page; an error names the file.
    public func write(to path: String) throws(AppError) {
        guard FileManager.default.createFile(atPath: path, contents: Data(rendered().utf8)) else {
            throw AppError("cannot write the report \(path)")
        }
    }

    static func gitCommit() -> String? {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "rev-parse", "--short", "HEAD"]
        let out = Pipe()
        git.standardOutput = out
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { return nil }
        git.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return git.terminationStatus == 0 && !text.isEmpty ? text : nil
    }

    static func machine() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map {
                String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces)
            }
        return "\(cpu ?? "unknown CPU"), \(ProcessInfo.processInfo.activeProcessorCount) cores, "
            + String(format: "%.0f GiB", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824)
    }
}
