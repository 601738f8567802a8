import Foundation
import Testing
@testable import KassaApp

/// What a command wrote, captured.
private final class CapturedOutput: @unchecked Sendable {
    // Safe: one command runs at a time on the calling task.
    var out = ""
    var err = ""
}

private func capturingConsole(stdin: String, environment: [String: String]) -> (Console, CapturedOutput) {
    let buffer = CapturedOutput()
    return (Console(out: { buffer.out += $0 }, err: { buffer.err += $0 }, input: { Data(stdin.utf8) }, environment: environment), buffer)
}

/// Runs `kassa` in-process, capturing what it writes.
func kassa(_ words: [String], stdin: String = "", environment: [String: String] = [:]) -> (status: Int32, out: String, err: String) {
    let (console, buffer) = capturingConsole(stdin: stdin, environment: environment)
    let status = KassaCommand.run(words, console: console)
    return (status, buffer.out, buffer.err)
}

/// Runs `kassa` in-process through the asynchronous entry point (`serve`, `send-email`), capturing what it writes.
func kassaAsync(_ words: [String], stdin: String = "", environment: [String: String] = [:]) async -> (status: Int32, out: String, err: String) {
    let (console, buffer) = capturingConsole(stdin: stdin, environment: environment)
    let status = await KassaCommand.runAsync(words, console: console)
    return (status, buffer.out, buffer.err)
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kassa-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct RenderCommandTests {
    @Test func rendersAFileWithDataAndPartials() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "Заказ {{ order.number }}{% render 'sig' %}".write(to: dir.appendingPathComponent("t.liquid"), atomically: true, encoding: .utf8)
        try #"{"order": {"number": "R-1"}}"#.write(to: dir.appendingPathComponent("d.json"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("p"), withIntermediateDirectories: true)
        try " — Ромашка".write(to: dir.appendingPathComponent("p/sig.liquid"), atomically: true, encoding: .utf8)
        let result = kassa(["render", dir.appendingPathComponent("t.liquid").path, "--data", dir.appendingPathComponent("d.json").path,
                            "--partials", dir.appendingPathComponent("p").path])
        #expect(result.status == 0)
        #expect(result.out == "Заказ R-1 — Ромашка")
        #expect(result.err == "")
    }

    @Test func readsTheTemplateFromStandardInput() {
        let result = kassa(["render", "-"], stdin: "{{ 'x' | upcase }}")
        #expect(result.status == 0)
        #expect(result.out == "X")
    }

    @Test func syntaxErrorsGoToStderrWithPositionAndExcerpt() {
        let result = kassa(["render", "-"], stdin: "ok\n{% if a %}")
        #expect(result.status == 1)
        #expect(result.out == "")
        #expect(result.err == "<stdin>:2:1: error: 'if' tag was never closed; expected '{% endif %}'\n{% if a %}\n^\n")
    }

    @Test func malformedDataNamesItsPosition() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("d.json")
        try "{\n  \"a\": tru\n}".write(to: data, atomically: true, encoding: .utf8)
        let result = kassa(["render", "-", "--data", data.path], stdin: "x")
        #expect(result.status == 1)
        #expect(result.err.contains("d.json:2:8: error: invalid literal, expected 'true'"))
    }

    @Test func usageErrorsExitTwo() {
        #expect(kassa(["render"]).status == 2)
        #expect(kassa(["render", "a", "b"]).status == 2)
        #expect(kassa(["render", "-", "--bogus"]).status == 2)
        #expect(kassa(["frobnicate"]).status == 2)
        #expect(kassa([]).status == 2)
    }

    @Test func missingFilesFailClearly() {
        let result = kassa(["render", "/nonexistent/t.liquid"])
        #expect(result.status == 1)
        #expect(result.err.contains("cannot read '/nonexistent/t.liquid'"))
    }
}

@Suite struct SMSInfoCommandTests {
    @Test func jsonForLatinAndCyrillic() throws {
        let latin = kassa(["sms-info", "Order R-1 paid", "--json"])
        #expect(latin.status == 0)
        #expect(latin.out == #"{"encoding":"GSM-7","units":14,"parts":1}"# + "\n")
        let cyrillic = kassa(["sms-info", String(repeating: "ж", count: 71), "--json"])
        #expect(cyrillic.out == #"{"encoding":"UCS-2","units":71,"parts":2}"# + "\n")
    }

    @Test func standardInputWithoutItsFinalNewline() {
        let result = kassa(["sms-info", "-"], stdin: "Заказ оплачен\n")
        #expect(result.out == "UCS-2, 13 units, 1 part\n")
    }

    @Test func extensionCharactersCountTwice() {
        #expect(kassa(["sms-info", "a€"]).out == "GSM-7, 3 units, 1 part\n")
    }

    @Test func usage() {
        #expect(kassa(["sms-info"]).status == 2)
        #expect(kassa(["sms-info", "a", "b"]).status == 2)
    }
}
