import Foundation
import Testing
import TemplateEngine
import TestPeers
@testable import KassaApp

/// `kassa serve` as a user runs it: the built executable in its own process, on a new data folder,
/// with `--demo`; requests over a real socket; SIGTERM; and a second start on the same folder.
@Suite struct ServeProcessTests {
    /// The `kassa` executable built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kassa")
    }

    /// A running `kassa serve` with its output read line by line.
    final class Server: @unchecked Sendable {
        // Safe: `out` and `err` are only touched with `lock` held.
        let process = Process()
        private let lock = NSLock()
        private var out = ""
        private var err = ""

        init(_ arguments: [String], environment: [String: String] = [:]) throws {
            process.executableURL = ServeProcessTests.executable
            process.arguments = ["serve"] + arguments
            process.environment = environment
            let outPipe = Pipe(), errPipe = Pipe()
            process.standardOutput = outPipe
            process.standardError = errPipe
            // The handlers hold the server strongly: they may still run while it is being released.
            outPipe.fileHandleForReading.readabilityHandler = { h in
                let text = String(decoding: h.availableData, as: UTF8.self)
                self.lock.withLock { self.out += text }
            }
            errPipe.fileHandleForReading.readabilityHandler = { h in
                let text = String(decoding: h.availableData, as: UTF8.self)
                self.lock.withLock { self.err += text }
            }
            try process.run()
        }

        var stdout: String { lock.withLock { out } }
        var stderr: String { lock.withLock { err } }

        /// The port from `listening on http://127.0.0.1:PORT`, waiting up to 30 s.
        func port() async throws -> Int? {
            for _ in 0..<300 {
                if let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("listening on http://") }),
                   let port = line.split(separator: ":").last.flatMap({ Int($0) }) {
                    return port
                }
                if !process.isRunning { return nil }
                try await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }

        /// SIGTERM, and the exit status; a server still running 30 s later is killed and the test
        /// fails, rather than the suite waiting for good.
        func stop() -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            if let status = ChildProcess.wait(process, timeout: 30) { return status }
            Issue.record("the server did not stop within 30 s of SIGTERM; stderr: \(stderr.suffix(2_000))")
            return ChildProcess.stop(process, grace: 0) ?? -1
        }

        /// Waits for a server that ends by itself (a bad start); its status, or -1 after 30 s.
        func exitStatus() -> Int32 {
            ChildProcess.wait(process, timeout: 30) ?? ChildProcess.stop(process, grace: 0) ?? -1
        }
    }

    private func token(_ label: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.contains(label) }.flatMap { $0.split(separator: " ").last.map(String.init) }
    }

    @Test func demoServeRequestsAndAGracefulStop() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            Issue.record("kassa is not built at \(Self.executable.path)")
            return
        }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let server = try Server(["--port", "0", "--data-dir", data, "--base-templates", BaseTemplateTests.root.path, "--demo"])
        let port = try #require(try await server.port(), "no 'listening on' line; stderr: \(server.stderr)")
        let live = try #require(token("live token:", in: server.stdout))
        let moderator = try #require(token("token:", in: server.stdout.components(separatedBy: "demo moderator").last ?? ""))
        #expect(live.hasPrefix("ak_live_"))
        #expect(moderator.hasPrefix("ak_mod_"))

        func call(_ method: String, _ path: String, _ token: String, _ body: String? = nil) async throws -> (Int, String) {
            let response = try await LoopbackHTTP.call(method, "http://127.0.0.1:\(port)\(path)",
                                                       headers: [("Authorization", "Bearer " + token)], body: Array((body ?? "").utf8))
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }
        #expect(try await call("GET", "/v1/me", live).0 == 200)
        let (created, body) = try await call("POST", "/v1/templates", live,
                                             #"{"event": "order.paid", "channel": "sms", "name": "S", "content": {"body": "Заказ {{ order.number }}"}}"#)
        #expect(created == 201)
        guard case .object(let record) = try Value(json: body), let id = record["id"]?.stringValue else {
            Issue.record("not a template: \(body)")
            return
        }
        let (previewed, preview) = try await call("POST", "/v1/templates/\(id)/preview", live)
        #expect(previewed == 200)
        #expect(preview.contains("KO-2026-001542"))
        #expect(try await call("GET", "/v1/moderation/queue", moderator).0 == 200)

        #expect(server.stop() == 0)
        // The tokens went to the terminal once, never to the log.
        #expect(!server.stderr.contains(live) && !server.stderr.contains(moderator))
        #expect(server.stderr.contains(#""path":"/v1/me""#))

        // A second start on the same folder creates nothing and prints no token.
        let again = try Server(["--port", "0", "--data-dir", data, "--base-templates", BaseTemplateTests.root.path, "--demo"])
        _ = try await again.port()
        #expect(again.stop() == 0)
        #expect(!again.stdout.contains("token"))
        #expect(again.stderr.contains("already has data; no demo accounts created"))
    }

    @Test func aBadConfigurationStopsTheStartWithExit1() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            Issue.record("kassa is not built at \(Self.executable.path)")
            return
        }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("kassa.json")
        try #"{"providers": {"smtp": {"password": "plain"}}}"#.write(to: config, atomically: true, encoding: .utf8)
        let server = try Server(["--config", config.path, "--data-dir", dir.path])
        #expect(server.exitStatus() == 1)
        #expect(server.stderr.contains("providers.smtp.password: error: a secret is never written in plain text"))
        let usage = try Server(["--port", "http"])
        #expect(usage.exitStatus() == 2)
    }
}
