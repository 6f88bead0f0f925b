import Foundation

/// Charts as inline SVG, drawn here so a report needs nothing from the network: points against a
/// (log or linear) x axis with reference lines, horizontal bars, and a histogram. Every drawn datum
/// is an element of class `mark`, so a browser check can count what was drawn. Pure functions of
/// their data.
public enum SVGChart {
    /// One named set of points.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    static let width = 640.0, height = 300.0
    static let left = 64.0, right = 160.0, top = 28.0, bottom = 44.0
    static let gray = "#777777", axisColor = "#333333"
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    /// Points (joined by lines within a series) against x, with horizontal reference lines.
    public static func points(
        title: String, xLabel: String, yLabel: String, series: [Series], references: [(name: String, y: Double)] = [],
        logX: Bool = false
    ) -> String {
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) } + references.map(\.y)
        let x = Axis(values: xs, log: logX, from: left, to: width - right)
        let y = Axis(values: ys + [0], log: false, from: height - bottom, to: top)
        var body = x.draw(horizontal: true, at: height - bottom, label: xLabel) + y.draw(horizontal: false, at: left, label: yLabel)
        for (n, r) in references.enumerated() {
            let yy = y.position(r.y)
            body +=
                #"<line class="mark reference" x1="\#(f(left))" x2="\#(f(width - right))" y1="\#(f(yy))" y2="\#(f(yy))" "#
                + #"stroke="\#(gray)" stroke-dasharray="4 3"><title>\#(escape(r.name)): \#(String(format: "%.4f", r.y))</title></line>"#
            body += legend(n + series.count, r.name, color: gray, dashed: true)
        }
        for (n, s) in series.enumerated() {
            let color = palette[n % palette.count]
            let sorted = s.points.sorted { $0.x < $1.x }
            if sorted.count > 1 {
                let path = sorted.map { "\(f(x.position($0.x))),\(f(y.position($0.y)))" }.joined(separator: " ")
                body += #"<polyline points="\#(path)" fill="none" stroke="\#(color)" stroke-width="1.5"/>"#
            }
            for p in sorted {
                body +=
                    #"<circle class="mark" cx="\#(f(x.position(p.x)))" cy="\#(f(y.position(p.y)))" r="4" fill="\#(color)">"#
                    + "<title>\(escape(s.name)): \(Self.number(p.x)), \(String(format: "%.4f", p.y))</title></circle>"
            }
            body += legend(n, s.name, color: color, dashed: false)
        }
        return figure(title: title, body: body)
    }

    /// One horizontal bar per label, its value written at its end.
    public static func bars(title: String, valueLabel: String, bars: [(label: String, value: Double)], highlight: String? = nil) -> String {
        let rowHeight = 24.0, chartHeight = top + bottom + rowHeight * Double(max(1, bars.count))
        let x = Axis(values: bars.map(\.value) + [0], log: false, from: 180, to: width - 70)
        var body = x.draw(horizontal: true, at: chartHeight - bottom, label: valueLabel)
        for (n, bar) in bars.enumerated() {
            let y0 = top + Double(n) * rowHeight
            let color = bar.label == highlight ? palette[1] : palette[0]
            body += #"<text x="172" y="\#(f(y0 + 16))" text-anchor="end" font-size="12">\#(escape(bar.label))</text>"#
            body +=
                #"<rect class="mark" x="180" y="\#(f(y0 + 4))" width="\#(f(max(1, x.position(bar.value) - 180)))" height="\#(f(rowHeight - 8))" "#
                + #"fill="\#(color)"><title>\#(escape(bar.label)): \#(Self.number(bar.value))</title></rect>"#
            body += #"<text x="\#(f(x.position(bar.value) + 4))" y="\#(f(y0 + 16))" font-size="11">\#(Self.number(bar.value))</text>"#
        }
        return figure(title: title, body: body, height: chartHeight)
    }

    /// Counts per bin (bins given by their bounds), with vertical markers (e.g. percentiles).
    public static func histogram(
        title: String, xLabel: String, bins: [(lower: Double, upper: Double, count: Int)], markers: [(name: String, x: Double)] = [],
        logX: Bool = false
    ) -> String {
        let x = Axis(values: bins.flatMap { [$0.lower, $0.upper] } + markers.map(\.x), log: logX, from: left, to: width - right)
        let y = Axis(values: bins.map { Double($0.count) } + [0], log: false, from: height - bottom, to: top)
        var body = x.draw(horizontal: true, at: height - bottom, label: xLabel) + y.draw(horizontal: false, at: left, label: "count")
        for bin in bins where bin.count > 0 {
            let x0 = x.position(bin.lower), x1 = x.position(bin.upper), y0 = y.position(Double(bin.count))
            body +=
                #"<rect class="mark" x="\#(f(x0))" y="\#(f(y0))" width="\#(f(max(1, x1 - x0 - 1)))" height="\#(f(height - bottom - y0))" "#
                + #"fill="\#(palette[0])"><title>\#(Self.number(bin.lower))–\#(Self.number(bin.upper)): \#(bin.count)</title></rect>"#
        }
        for (n, m) in markers.enumerated() {
            let xx = x.position(m.x), color = palette[(n + 1) % palette.count]
            body +=
                #"<line class="guide" x1="\#(f(xx))" x2="\#(f(xx))" y1="\#(f(top))" y2="\#(f(height - bottom))" stroke="\#(color)" "#
                + #"stroke-dasharray="4 3"><title>\#(escape(m.name)): \#(Self.number(m.x))</title></line>"#
            body += legend(n, "\(m.name) \(Self.number(m.x))", color: color, dashed: true)
        }
        return figure(title: title, body: body)
    }

    // MARK: Parts

    static func figure(title: String, body: String, height: Double = height) -> String {
        #"<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(f(width)) \#(f(height))" "#
            + #"width="\#(f(width))" height="\#(f(height))" role="img" aria-label="\#(escape(title))">"#
            + #"<text x="\#(f(width / 2))" y="16" text-anchor="middle" font-size="14" font-weight="bold">\#(escape(title))</text>"#
            + body + "</svg></figure>\n"
    }

    static func legend(_ n: Int, _ name: String, color: String, dashed: Bool) -> String {
        let y = top + 14 + Double(n) * 18, x = width - right + 12
        return #"<line x1="\#(f(x))" x2="\#(f(x + 18))" y1="\#(f(y - 4))" y2="\#(f(y - 4))" stroke="\#(color)" stroke-width="3""#
            + (dashed ? #" stroke-dasharray="4 3""# : "") + "/>"
            + #"<text x="\#(f(x + 24))" y="\#(f(y))" font-size="11">\#(escape(name))</text>"#
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// A number for a label: whole numbers grouped, others with up to four digits.
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? ProgressBar.grouped(Int(v)) : String(format: "%.4g", v)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// One axis: its range over the data (log or linear), where a value lands, and its ticks.
struct Axis {
    let low: Double, high: Double, log: Bool, from: Double, to: Double

    init(values: [Double], log: Bool, from: Double, to: Double) {
        let usable = log ? values.filter { $0 > 0 } : values.filter(\.isFinite)
        var low = usable.min() ?? 0, high = usable.max() ?? 1
        if log { (low, high) = (Foundation.log10(low), Foundation.log10(high)) }
        if high - low < 1e-12 { (low, high) = (low - 0.5, high + 0.5) }
        let pad = log ? 0.05 * (high - low) : 0
        self.low = low - pad
        self.high = high + (log ? pad : 0.08 * (high - low))
        self.log = log
        self.from = from
        self.to = to
    }

    func position(_ value: Double) -> Double {
        let v = log ? Foundation.log10(max(value, 1e-12)) : value
        return from + (v - low) / (high - low) * (to - from)
    }

    /// About five round tick values inside the range.
    var ticks: [Double] {
        if log { return (Int(low.rounded(.up))...max(Int(low.rounded(.up)), Int(high.rounded(.down)))).map { pow(10, Double($0)) } }
        let step0 = (high - low) / 5, magnitude = pow(10, (Foundation.log10(step0)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= step0 } ?? step0
        var out: [Double] = [], t = (low / step).rounded(.up) * step
        while t <= high + 1e-9 { out.append(t); t += step }
        return out
    }

    func draw(horizontal: Bool, at line: Double, label: String) -> String {
        let f = SVGChart.f
        var out =
            horizontal
            ? #"<line x1="\#(f(from))" x2="\#(f(to))" y1="\#(f(line))" y2="\#(f(line))" stroke="\#(SVGChart.axisColor)"/>"#
            : #"<line x1="\#(f(line))" x2="\#(f(line))" y1="\#(f(from))" y2="\#(f(to))" stroke="\#(SVGChart.axisColor)"/>"#
        for t in ticks {
            let p = position(t), text = SVGChart.number(t)
            out +=
                horizontal
                ? #"<text x="\#(f(p))" y="\#(f(line + 16))" text-anchor="middle" font-size="11">\#(text)</text>"#
                : #"<text x="\#(f(line - 6))" y="\#(f(p + 4))" text-anchor="end" font-size="11">\#(text)</text>"#
        }
        out +=
            horizontal
            ? #"<text x="\#(f((from + to) / 2))" y="\#(f(line + 34))" text-anchor="middle" font-size="12">\#(SVGChart.escape(label))</text>"#
            : #"<text transform="translate(14 \#(f((from + to) / 2))) rotate(-90)" text-anchor="middle" font-size="12">\#(SVGChart.escape(label))</text>"#
        return out
    }
}
