import Foundation

/// Small, dependency-free SVG charts in the spirit of matplotlib's "ggplot" style
/// (grey panel, white grid), as the tutorial's plots use.
package struct SVGPlot {
    package struct Series {
        package var label: String
        package var points: [(Double, Double)]
        package var color: String
        package var dashed = false
        package init(label: String, points: [(Double, Double)], color: String, dashed: Bool = false) {
            self.label = label
            self.points = points
            self.color = color
            self.dashed = dashed
        }
    }

    package struct Scatter {
        package var points: [(Double, Double, Int)]
        package init(points: [(Double, Double, Int)]) { self.points = points }
    }

    package var title: String
    package var xLabel: String
    package var yLabel: String
    package var width = 640.0
    package var height = 480.0
    package var logY = false

    package init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    package static let palette = ["#E24A33", "#348ABD", "#988ED5", "#777777", "#FBC15E", "#8EBA42", "#FFB5B8"]

    struct Frame {
        var x0, x1, y0, y1: Double
        let left = 70.0, top = 40.0
        var plotWidth: Double, plotHeight: Double
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotHeight }
    }

    static func niceTicks(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low] }
        let raw = (high - low) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var t = ceil(low / step) * step
        while t <= high + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e5 || abs(v) < 1e-3 { return String(format: "%.1e", v) }
        return String(format: "%g", (v * 1e6).rounded() / 1e6)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }

    func frame(xs: [Double], ys: [Double]) -> Frame {
        var x0 = xs.min() ?? 0
        var x1 = xs.max() ?? 1
        var y0 = ys.min() ?? 0
        var y1 = ys.max() ?? 1
        if x1 <= x0 {
            x0 -= 1
            x1 += 1
        }
        if y1 <= y0 {
            y0 -= 1
            y1 += 1
        }
        let padX = (x1 - x0) * 0.04
        let padY = (y1 - y0) * 0.05
        return Frame(
            x0: x0 - padX, x1: x1 + padX, y0: y0 - padY, y1: y1 + padY,
            plotWidth: width - 70 - 20, plotHeight: height - 40 - 60)
    }

    func axes(_ f: Frame, yTransform: (Double) -> String = SVGPlot.label) -> String {
        var s =
            "<rect x=\"\(f.left)\" y=\"\(f.top)\" width=\"\(f.plotWidth)\" height=\"\(f.plotHeight)\" fill=\"#E5E5E5\"/>\n"
        for t in SVGPlot.niceTicks(f.x0, f.x1) {
            let x = f.px(t)
            s += "<line x1=\"\(x)\" y1=\"\(f.top)\" x2=\"\(x)\" y2=\"\(f.top + f.plotHeight)\" stroke=\"white\"/>\n"
            s +=
                "<text x=\"\(x)\" y=\"\(f.top + f.plotHeight + 16)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">\(SVGPlot.label(t))</text>\n"
        }
        for t in SVGPlot.niceTicks(f.y0, f.y1) {
            let y = f.py(t)
            s += "<line x1=\"\(f.left)\" y1=\"\(y)\" x2=\"\(f.left + f.plotWidth)\" y2=\"\(y)\" stroke=\"white\"/>\n"
            s +=
                "<text x=\"\(f.left - 6)\" y=\"\(y + 4)\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">\(yTransform(t))</text>\n"
        }
        s +=
            "<text x=\"\(width / 2)\" y=\"24\" font-size=\"15\" text-anchor=\"middle\">\(SVGPlot.escape(title))</text>\n"
        s +=
            "<text x=\"\(f.left + f.plotWidth / 2)\" y=\"\(height - 20)\" font-size=\"12\" text-anchor=\"middle\">\(SVGPlot.escape(xLabel))</text>\n"
        s +=
            "<text x=\"16\" y=\"\(f.top + f.plotHeight / 2)\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f.top + f.plotHeight / 2))\">\(SVGPlot.escape(yLabel))</text>\n"
        return s
    }

    func document(_ body: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + body + "</svg>\n"
    }

    /// Line chart of one or more series, with a legend when there are several.
    package func lines(_ series: [Series]) -> String {
        let transform: (Double) -> Double = logY ? { log10(max($0, 1e-300)) } : { $0 }
        let all = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite }
        let f = frame(xs: all.map(\.0), ys: all.map { transform($0.1) })
        var body = axes(f, yTransform: logY ? { SVGPlot.label(pow(10, $0)) } : SVGPlot.label)
        for s in series {
            let path = s.points.filter { $0.0.isFinite && $0.1.isFinite }
                .map { String(format: "%.2f,%.2f", f.px($0.0), f.py(transform($0.1))) }.joined(separator: " ")
            body +=
                "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(path)\"/>\n"
        }
        if series.count > 1 {
            for (i, s) in series.enumerated() {
                let y = f.top + 14 + Double(i) * 16
                body +=
                    "<line x1=\"\(f.left + 10)\" y1=\"\(y - 4)\" x2=\"\(f.left + 30)\" y2=\"\(y - 4)\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
                body += "<text x=\"\(f.left + 36)\" y=\"\(y)\" font-size=\"11\">\(SVGPlot.escape(s.label))</text>\n"
            }
        }
        return document(body)
    }

    /// Scatter plot of labelled points. `regions` (if given) colours the background by
    /// predicted class on a grid, showing the learned decision boundary: it returns the class
    /// of each (x, y) cell centre it is given. The legend names
    /// class c `classNames[c]` when given, else "class c".
    package func scatter(
        _ scatter: Scatter, classes: Int, classNames: [String]? = nil, regions: (([(Double, Double)]) -> [Int])? = nil
    ) -> String {
        let f = frame(xs: scatter.points.map(\.0), ys: scatter.points.map(\.1))
        var body = axes(f)
        if let regions {
            let cells = 80
            let cw = f.plotWidth / Double(cells)
            let ch = f.plotHeight / Double(cells)
            var centres: [(Double, Double)] = []
            for i in 0..<cells {
                let x = f.x0 + (Double(i) + 0.5) / Double(cells) * (f.x1 - f.x0)
                for j in 0..<cells { centres.append((x, f.y1 - (Double(j) + 0.5) / Double(cells) * (f.y1 - f.y0))) }
            }
            let predicted = regions(centres)
            body += "<g opacity=\"0.18\">\n"
            for i in 0..<cells {
                for j in 0..<cells {
                    let c = predicted[i * cells + j]
                    body +=
                        String(
                            format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" ",
                            f.left + Double(i) * cw, f.top + Double(j) * ch, cw + 0.3, ch + 0.3)
                        + "fill=\"\(SVGPlot.palette[c % SVGPlot.palette.count])\"/>\n"
                }
            }
            body += "</g>\n"
        }
        for (x, y, c) in scatter.points {
            body +=
                String(format: "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" ", f.px(x), f.py(y))
                + "fill=\"\(SVGPlot.palette[c % SVGPlot.palette.count])\" stroke=\"black\" stroke-width=\"0.3\"/>\n"
        }
        for c in 0..<classes {
            let y = f.top + 14 + Double(c) * 16
            body +=
                "<circle cx=\"\(f.left + 14)\" cy=\"\(y - 4)\" r=\"4\" fill=\"\(SVGPlot.palette[c % SVGPlot.palette.count])\"/>\n"
            body +=
                "<text x=\"\(f.left + 24)\" y=\"\(y)\" font-size=\"11\">\(SVGPlot.escape(classNames.map { $0[c] } ?? "class \(c)"))</text>\n"
        }
        return document(body)
    }
}
