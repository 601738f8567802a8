import Foundation
import Testing
import TemplateFuzzing

/// Replays the fuzz corpus and every input that once crashed the engine, as plain tests: each must
/// go through parse, check, compile and render without crashing.
@Suite struct FuzzCorpusTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ folder: String) -> [URL] {
        let dir = fuzzDirectory.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test func corpusIsThere() {
        #expect(Self.inputs("corpus").count >= 9)
    }

    @Test func corpusReplaysWithoutCrashing() throws {
        for url in Self.inputs("corpus") + Self.inputs("regressions") {
            let data = try Data(contentsOf: url)
            data.withUnsafeBytes { fuzzTemplate($0) }
        }
    }
}
