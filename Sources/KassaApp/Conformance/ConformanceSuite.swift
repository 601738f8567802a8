import Foundation
import TemplateEngine

/// A conformance suite in the golden-liquid format, run against our engine.
public struct ConformanceSuite: Sendable {
    public struct Case: Sendable {
        public let name: String
        public let template: String
        public let data: Value
        public let templates: [String: String]
        /// The acceptable outputs; empty when the template must fail.
        public let results: [String]
        public var invalid: Bool { results.isEmpty }
    }

    public struct Failure: Sendable {
        public let name: String
        public let template: String
        public let expected: String
        public let actual: String
    }

    public let cases: [Case]

    /// Reads the suite's JSON (`{"tests": [...]}`); an ill-formed case names its index.
    public init(json: [UInt8]) throws {
        guard case .object(let root) = try Value(jsonBytes: json), case .array(let tests)? = root["tests"] else {
            throw CommandFailure("the suite must be an object with a \"tests\" array")
        }
        var cases: [Case] = []
        for (index, test) in tests.enumerated() {
            guard case .object(let t) = test, case .string(let name)? = t["name"], case .string(let template)? = t["template"] else {
                throw CommandFailure("test \(index) needs a \"name\" and a \"template\"")
            }
            var templates: [String: String] = [:]
            if case .object(let partials)? = t["templates"] {
                for (key, value) in partials.pairs { templates[key] = value.stringValue }
            }
            var results: [String] = []
            if case .string(let r)? = t["result"] {
                results = [r]
            } else if case .array(let rs)? = t["results"] {
                results = rs.compactMap(\.stringValue)
            } else if t["invalid"] != .bool(true) {
                throw CommandFailure("test '\(name)' has neither \"result\", \"results\" nor \"invalid\"")
            }
            cases.append(Case(name: name, template: template, data: t["data"] ?? .object(ValueObject()),
                              templates: templates, results: results))
        }
        self.cases = cases
    }

    /// Runs every case; the time zone is UTC and `now` the real clock, as the suite expects.
    public func run() -> (passed: Int, failures: [Failure]) {
        var passed = 0
        var failures: [Failure] = []
        let options = RenderOptions(timeZone: TimeZone(identifier: "UTC")!)
        for c in cases {
            let outcome: Result<String, TemplateError>
            do throws(TemplateError) {
                let template = try Template(source: c.template, name: c.name, library: InMemoryTemplateLibrary(c.templates))
                outcome = .success(try template.render(c.data, options: options))
            } catch {
                outcome = .failure(error)
            }
            switch (outcome, c.invalid) {
            case (.success(let output), false) where c.results.contains(output):
                passed += 1
            case (.failure, true):
                passed += 1
            case (.success(let output), _):
                failures.append(Failure(name: c.name, template: c.template,
                                        expected: c.invalid ? "an error" : c.results.map(quote).joined(separator: " or "),
                                        actual: quote(output)))
            case (.failure(let error), false):
                failures.append(Failure(name: c.name, template: c.template,
                                        expected: c.results.map(quote).joined(separator: " or "), actual: "error: \(error.summary)"))
            }
        }
        return (passed, failures)
    }
}

private func quote(_ s: String) -> String { Value.string(s).jsonString }

/// `kassa conformance SUITE.json [--verbose]`
enum ConformanceCommand {
    static func run(_ words: [String], console: Console) throws -> Int32 {
        let args = try Arguments(words, options: [], flags: ["verbose"])
        let path = try args.expectPositional(["SUITE.json"])[0]
        let suite: ConformanceSuite
        do {
            suite = try ConformanceSuite(json: [UInt8](try console.read(path)))
        } catch let error as JSONError {
            throw CommandFailure("\(path):\(error.line):\(error.column): error: \(error.message)")
        } catch let failure as CommandFailure {
            throw CommandFailure("\(path): \(failure.message)")
        }
        let (passed, failures) = suite.run()
        if args.flag("verbose") {
            for f in failures {
                console.print("FAIL \(f.name)\n  template: \(quote(f.template))\n  expected: \(f.expected)\n  actual:   \(f.actual)")
            }
        }
        console.print("\(passed) passed, \(failures.count) failed")
        return failures.isEmpty ? 0 : 1
    }
}
