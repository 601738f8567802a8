// `bench`: renders/s and parse cost of our engine against the hand-written ceiling and the Swift
// peers (swift-mustache, Stencil) on the shared receipt fixture. See ../../README.md.
import Foundation

struct Options {
    var ms = 1000
    var runs = 7
    var json = false
    var quick = false
    var fixtures: String?
    var dump: String?
    var continueOnMismatch = false

    static let usage = """
        usage: bench [--ms N] [--runs N] [--quick] [--json] [--fixtures DIR] [--dump DIR] [--continue-on-mismatch]
          --ms N          render for at least N ms per run (default 1000)
          --runs N        runs per engine (default 7); the median, min and max of the runs are reported
          --quick         smoke check: 3 runs x 200 ms and fewer parse iterations
          --json          print one JSON document on stdout (diagnostics go to stderr)
          --fixtures DIR  the fixture folder (default: <repository>/../shared/bench)
          --dump DIR      write every engine's output to DIR/<engine>.html
          --continue-on-mismatch  time the engines even if our output is wrong (still exits 1)
        """

    static func parse(_ args: [String]) throws(BenchError) -> Options {
        var o = Options()
        var explicitMs: Int?, explicitRuns: Int?
        var i = 0
        func value(_ flag: String) throws(BenchError) -> String {
            i += 1
            guard i < args.count else { throw BenchError("\(flag) needs a value\n\(usage)") }
            return args[i]
        }
        func positive(_ flag: String) throws(BenchError) -> Int {
            let v = try value(flag)
            guard let n = Int(v), n > 0 else { throw BenchError("\(flag) needs a positive integer, got '\(v)'") }
            return n
        }
        while i < args.count {
            switch args[i] {
            case "--ms": explicitMs = try positive("--ms")
            case "--runs": explicitRuns = try positive("--runs")
            case "--quick": o.quick = true
            case "--json": o.json = true
            case "--fixtures": o.fixtures = try value("--fixtures")
            case "--dump": o.dump = try value("--dump")
            case "--continue-on-mismatch": o.continueOnMismatch = true
            case "-h", "--help": print(usage); exit(0)
            default: throw BenchError("unknown argument '\(args[i])'\n\(usage)")
            }
            i += 1
        }
        if o.quick { o.ms = 200; o.runs = 3 }
        if let m = explicitMs { o.ms = m }
        if let r = explicitRuns { o.runs = r }
        return o
    }
}

func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

/// One engine as timed: a render closure over a template parsed once.
struct Engine {
    let name: String
    let render: () throws -> String
    var parseUs: Double?
    var rates: [Double] = []
    var outputBytes = 0

    init(_ name: String, render: @escaping () throws -> String) {
        self.name = name
        self.render = render
    }
}

@main
enum Bench {
    static func main() {
        do {
            exit(try run(Options.parse(Array(CommandLine.arguments.dropFirst()))))
        } catch let e as BenchError {
            log("bench: error: \(e)")
            exit(2)
        } catch {
            log("bench: error: \(error)")
            exit(2)
        }
    }

    static func run(_ opt: Options) throws -> Int32 {
        let dir = try Fixtures.locate(opt.fixtures)
        let fx = try Fixtures(directory: dir)
        log("fixtures: \(dir.path)")
        if let problem = fx.handwrittenCopyProblem() {
            if problem.hasPrefix("note:") { log(problem) } else { throw BenchError(problem) }
        }

        // Data, decoded before any timing.
        let root: Root
        do { root = try JSONDecoder().decode(Root.self, from: fx.jsonBytes) } catch {
            throw BenchError("data.json does not decode into Handwritten.swift's Root: \(error)")
        }
        guard let dict = try JSONSerialization.jsonObject(with: fx.jsonBytes) as? [String: Any] else {
            throw BenchError("data.json is not a JSON object")
        }

        // The ceiling and the reference outputs.
        let handwrittenPlain = handwritten(root, escaped: false)
        let handwrittenEscaped = handwritten(root, escaped: true)
        if let diff = Verify.firstDifference(actual: Array(handwrittenPlain.utf8), expected: fx.expected) {
            throw BenchError("fixture inconsistent: handwritten(escaped: false) differs from expected_output.liquid.html\n\(diff)")
        }

        // Our engine: parse once, then check both outputs byte for byte.
        var failures: [String] = []
        let kassa: KassaEngine
        do { kassa = try KassaEngine(source: fx.liquid, json: fx.json) } catch {
            log("bench: error: our engine could not load the fixture: \(error)")
            return 1
        }
        let kassaPlain: String, kassaEscaped: String
        do {
            kassaPlain = try kassa.render()
            kassaEscaped = try kassa.renderEscaped()
        } catch {
            log("bench: error: our engine failed to render the fixture: \(error)")
            return 1
        }
        if let diff = Verify.firstDifference(actual: Array(kassaPlain.utf8), expected: fx.expected) {
            failures.append("kassa (unescaped) differs from expected_output.liquid.html: \(diff)")
        }
        if let diff = Verify.firstDifference(actual: Array(kassaEscaped.utf8), expected: Array(handwrittenEscaped.utf8)) {
            failures.append("kassa-escaped differs from handwritten(root, escaped: true): \(diff)")
        }

        // Peers: equivalent after collapsing whitespace and unescaping entities (bench_python.py's norm).
        let mustache = try MustacheEngine(source: fx.mustache, data: dict)
        let stencil = StencilEngine(source: fx.stencil, data: dict)
        let mustacheOut = mustache.render()
        let stencilOut = try stencil.render()
        let reference = Verify.norm(String(decoding: fx.expected, as: UTF8.self))
        for (name, out) in [("swift-mustache", mustacheOut), ("stencil", stencilOut)] {
            let n = Verify.norm(out)
            if n != reference {
                let diff = Verify.firstDifference(actual: Array(n.utf8), expected: Array(reference.utf8)) ?? ""
                log("warning: \(name) output is not equivalent to the expected output after normalising whitespace and entities: \(diff)")
            }
        }

        var engines = [
            Engine("kassa", render: kassa.render),
            Engine("kassa-escaped", render: kassa.renderEscaped),
            Engine("handwritten") { handwritten(root, escaped: false) },
            Engine("handwritten-escaped") { handwritten(root, escaped: true) },
            Engine("swift-mustache", render: mustache.render),
            Engine("stencil", render: stencil.render),
        ]
        let outputs = [kassaPlain, kassaEscaped, handwrittenPlain, handwrittenEscaped, mustacheOut, stencilOut]
        for i in engines.indices { engines[i].outputBytes = outputs[i].utf8.count }
        if let dumpDir = opt.dump {
            try FileManager.default.createDirectory(atPath: dumpDir, withIntermediateDirectories: true)
            for (e, out) in zip(engines, outputs) {
                try Data(out.utf8).write(to: URL(fileURLWithPath: dumpDir).appendingPathComponent("\(e.name).html"))
            }
            log("outputs written to \(dumpDir)")
        }
        if !failures.isEmpty {
            for f in failures { log("MISMATCH: \(f)") }
            if !opt.continueOnMismatch {
                log("bench: our engine's output is wrong; not timing (use --continue-on-mismatch to time anyway)")
                return 1
            }
        } else {
            log("verified: kassa == expected_output.liquid.html (\(fx.expected.count) bytes), kassa-escaped == handwritten(escaped: true) (\(handwrittenEscaped.utf8.count) bytes)")
        }

        // Parse + compile, per template.
        let parseIterations = opt.quick ? 30 : 200
        let parseMs = opt.quick ? 100 : 500
        log("measuring parse+compile ...")
        let liquidSource = fx.liquid, mustacheSource = fx.mustache, stencilSource = fx.stencil
        engines[0].parseUs = try Timing.medianMicros(minIterations: parseIterations, minMs: parseMs) { try KassaEngine.parse(liquidSource) }
        engines[1].parseUs = engines[0].parseUs
        engines[4].parseUs = try Timing.medianMicros(minIterations: parseIterations, minMs: parseMs) { try MustacheEngine.parse(mustacheSource) }
        engines[5].parseUs = try Timing.medianMicros(minIterations: parseIterations, minMs: parseMs) { try StencilEngine.parse(stencilSource) }
        let stencilLexUs = Timing.medianMicros(minIterations: parseIterations, minMs: parseMs) { StencilEngine.lex(stencilSource) }

        // Throughput: a warm-up run per engine, then the runs interleaved across engines so that
        // a noisy phase of the machine hits every engine alike.
        var sink = 0
        let warmMs = max(50, opt.ms / 5)
        for e in engines {
            log("warming up \(e.name) (\(warmMs) ms)")
            _ = try Timing.run(ms: warmMs, sink: &sink, e.render)
        }
        for r in 1...opt.runs {
            log("run \(r)/\(opt.runs) (\(opt.ms) ms per engine)")
            for i in engines.indices {
                engines[i].rates.append(try Timing.run(ms: opt.ms, sink: &sink, engines[i].render))
            }
        }
        if sink == 0 { log("(empty outputs?)") }

        if opt.json {
            print(Report.json(engines))
        } else {
            print(Report.table(engines, opt: opt, fixtures: dir.path, stencilLexUs: stencilLexUs, mismatch: !failures.isEmpty))
        }
        return failures.isEmpty ? 0 : 1
    }
}
