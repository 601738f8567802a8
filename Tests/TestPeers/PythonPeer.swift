import Foundation

/// A test peer written in Python (an SMTP server, a DKIM verifier…): an implementation independent
/// of ours. The interpreter is `KASSA_TEST_PYTHON`, else the repository's `.venv` that `make test`
/// prepares with the peers' packages.
public final class PythonPeer: Sendable {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let peers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

    public static var python: String {
        ProcessInfo.processInfo.environment["KASSA_TEST_PYTHON"] ?? repository.appendingPathComponent(".venv/bin/python").path
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "no Python at \(PythonPeer.python): run `make test`, which prepares .venv with the test peers" }
    }

    /// What the peer printed; the pipes' handlers write it from their own threads.
    private final class Output: @unchecked Sendable {
        // Safe: both fields are only touched with `lock` held.
        private let lock = NSLock()
        private var out = ""
        private var err = ""
        func append(out text: String) { lock.withLock { out += text } }
        func append(err text: String) { lock.withLock { err += text } }
        var stdout: String { lock.withLock { out } }
        var stderr: String { lock.withLock { err } }
    }

    public let process = Process()
    private let input = Pipe()
    private let output = Output()

    /// Starts `script` (in this folder) with `arguments`.
    public init(_ script: String, _ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else { throw Missing() }
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.peers.appendingPathComponent(script).path] + arguments
        let out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        let output = self.output
        out.fileHandleForReading.readabilityHandler = { h in output.append(out: String(decoding: h.availableData, as: UTF8.self)) }
        err.fileHandleForReading.readabilityHandler = { h in output.append(err: String(decoding: h.availableData, as: UTF8.self)) }
        try process.run()
    }

    deinit { stop() }

    /// The JSON lines the peer has printed so far.
    public var events: [[String: Any]] {
        output.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    public var stderr: String { output.stderr }

    /// Waits (up to 20 s) for a printed event that satisfies `match`.
    public func wait(for what: String, _ match: ([String: Any]) -> Bool) async throws -> [String: Any] {
        for _ in 0..<400 {
            if let found = events.first(where: match) { return found }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        struct Timeout: Error, CustomStringConvertible { let description: String }
        throw Timeout(description: "the peer never printed \(what); stderr: \(stderr)")
    }

    /// The port it printed as `{"port": N}`.
    public func port() async throws -> Int {
        let event = try await wait(for: "its port") { $0["port"] != nil }
        return event["port"] as? Int ?? 0
    }

    /// Writes `text` to the peer's standard input.
    public func write(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Closes its input, which ends it; after 10 s it is stopped by signal.
    public func stop() {
        guard process.isRunning, !ChildProcess.hasEnded(process.processIdentifier) else { return }
        try? input.fileHandleForWriting.close()
        if ChildProcess.wait(process, timeout: 10) == nil { ChildProcess.stop(process, grace: 5) }
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made with the `openssl` command.
public struct TestCertificate: Sendable {
    public let directory: URL
    public var cert: String { directory.appendingPathComponent("cert.pem").path }
    public var key: String { directory.appendingPathComponent("key.pem").path }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kassa-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.appendingPathComponent("key.pem").path,
                             "-out", directory.appendingPathComponent("cert.pem").path, "-days", "1", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        struct Failed: Error, CustomStringConvertible { let description = "openssl could not make a test certificate" }
        guard ChildProcess.wait(process, timeout: 60) == 0 else { throw Failed() }
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
