import Foundation

enum Report {
    static func median(_ e: Engine) -> Double { Timing.median(e.rates) }

    /// `{"engines": {"kassa": {"renders_per_sec": N, "min": N, "max": N, "parse_us": N|null}, ...}}`
    static func json(_ engines: [Engine]) -> String {
        var parts: [String] = []
        for e in engines {
            let parse = e.parseUs.map { String(format: "%.1f", $0) } ?? "null"
            parts.append("""
                    "\(e.name)": {"renders_per_sec": \(Int(median(e).rounded())), "min": \(Int(e.rates.min()!.rounded())), \
                "max": \(Int(e.rates.max()!.rounded())), "parse_us": \(parse)}
                """)
        }
        return "{\"engines\": {\n" + parts.joined(separator: ",\n") + "\n}}"
    }

    static func grouped(_ x: Double) -> String {
        let digits = String(Int(x.rounded()))
        var out = ""
        for (i, ch) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    static func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
        let n = s.count
        if n >= width { return s }
        let fill = String(repeating: " ", count: width - n)
        return left ? s + fill : fill + s
    }

    static func table(_ engines: [Engine], opt: Options, fixtures: String, stencilLexUs: Double, mismatch: Bool) -> String {
        var lines: [String] = []
        lines.append("Receipt fixture (\(fixtures)): \(opt.runs) runs x >= \(opt.ms) ms per engine, runs interleaved; renders/s")
        lines.append(pad("engine", 21, left: true) + pad("median", 12) + pad("min", 12) + pad("max", 12)
                     + pad("parse µs", 12) + pad("out bytes", 11))
        for e in engines {
            let parse = e.parseUs.map { String(format: "%.1f", $0) } ?? "-"
            lines.append(pad(e.name, 21, left: true) + pad(grouped(median(e)), 12) + pad(grouped(e.rates.min()!), 12)
                         + pad(grouped(e.rates.max()!), 12) + pad(parse, 12) + pad(String(e.outputBytes), 11))
        }
        func ratio(_ a: String, _ b: String) -> String {
            guard let x = engines.first(where: { $0.name == a }), let y = engines.first(where: { $0.name == b }) else { return "?" }
            let r = median(x) / median(y)
            return String(format: "%.2f", r) + (r < 1 ? " (\(b) is \(String(format: "%.1f", 1 / r))x faster)"
                                                      : " (\(a) is \(String(format: "%.1f", r))x faster)")
        }
        lines.append("")
        lines.append("kassa / handwritten                 = " + ratio("kassa", "handwritten"))
        lines.append("kassa-escaped / handwritten-escaped = " + ratio("kassa-escaped", "handwritten-escaped"))
        lines.append("")
        lines.append("notes: *-escaped engines and swift-mustache (always) HTML-escape every output; kassa, handwritten and Stencil (never) do not.")
        lines.append(String(format: "       Stencil's parse µs is lexing (%.1f µs, done once) plus token parsing, which Stencil repeats on every render.", stencilLexUs))
        lines.append("       Peers use [String: Any] from JSONSerialization; handwritten uses typed structs (the ceiling, not an engine).")
        if mismatch { lines.append("WARNING: our engine's output did not match the expected bytes (see stderr); figures are not valid.") }
        return lines.joined(separator: "\n")
    }
}
