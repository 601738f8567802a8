import Foundation

/// The shared benchmark fixture (`<repo>/../shared/bench`), read at run time.
struct Fixtures {
    let directory: URL
    let liquid: String
    let mustache: String
    let stencil: String
    let json: String
    let jsonBytes: Data
    let expected: [UInt8]

    static let requiredFiles = [
        "notification.liquid", "notification.mustache", "notification.stencil", "data.json",
        "expected_output.liquid.html", "Handwritten.swift",
    ]

    /// This source file's folder, `<repo>/Benchmarks/Sources/bench`.
    static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// Where to look when `--fixtures` is not given: next to the repository that this binary was
    /// built from, then relative to the working directory (repository root or `Benchmarks/`).
    static func defaultCandidates() -> [URL] {
        let repo = sourceDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return [
            repo.appendingPathComponent("../shared/bench").standardizedFileURL,
            cwd.appendingPathComponent("../shared/bench").standardizedFileURL,
            cwd.appendingPathComponent("../../shared/bench").standardizedFileURL,
        ]
    }

    static func locate(_ explicit: String?) throws(BenchError) -> URL {
        let candidates = explicit.map { [URL(fileURLWithPath: $0).standardizedFileURL] } ?? defaultCandidates()
        for dir in candidates where isComplete(dir) { return dir }
        var message = "benchmark fixtures not found; looked in:\n"
        for dir in candidates {
            let missing = requiredFiles.filter { !FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }
            message += "  \(dir.path) (missing: \(missing.joined(separator: ", ")))\n"
        }
        message += "expected the shared fixture at <repository>/../shared/bench; pass --fixtures DIR to point elsewhere"
        throw BenchError(message)
    }

    private static func isComplete(_ dir: URL) -> Bool {
        requiredFiles.allSatisfy { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }
    }

    init(directory: URL) throws(BenchError) {
        self.directory = directory
        func bytes(_ name: String) throws(BenchError) -> Data {
            do { return try Data(contentsOf: directory.appendingPathComponent(name)) } catch {
                throw BenchError("cannot read \(directory.appendingPathComponent(name).path): \(error)")
            }
        }
        func text(_ name: String) throws(BenchError) -> String {
            guard let s = String(data: try bytes(name), encoding: .utf8) else {
                throw BenchError("\(directory.appendingPathComponent(name).path) is not valid UTF-8")
            }
            return s
        }
        liquid = try text("notification.liquid")
        mustache = try text("notification.mustache")
        stencil = try text("notification.stencil")
        jsonBytes = try bytes("data.json")
        json = try text("data.json")
        expected = [UInt8](try bytes("expected_output.liquid.html"))
    }

    /// `Handwritten.swift` must be compiled in unchanged: compare our copy with the shared one.
    /// Returns nil when they are identical, or a message.
    func handwrittenCopyProblem() -> String? {
        let ours = Self.sourceDirectory.appendingPathComponent("Handwritten.swift")
        let theirs = directory.appendingPathComponent("Handwritten.swift")
        guard let a = FileManager.default.contents(atPath: ours.path) else {
            return "note: cannot read \(ours.path) to compare with \(theirs.path) (binary moved?); not checked"
        }
        guard let b = FileManager.default.contents(atPath: theirs.path) else { return "cannot read \(theirs.path)" }
        if a == b { return nil }
        return "\(ours.path) differs from \(theirs.path): copy it again byte for byte (cp \(theirs.path) \(ours.path))"
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
