import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

@Suite struct ConfigTests {
    private let key = [UInt8](repeating: 7, count: 32)

    private func load(_ json: String, environment: [String: String] = [:]) throws -> ServiceConfig {
        try ServiceConfig.load(file: "kassa.json", contents: Array(json.utf8), environment: environment)
    }

    private func problem(_ json: String, environment: [String: String] = [:]) -> String? {
        do {
            _ = try load(json, environment: environment)
            return nil
        } catch {
            return (error as? ServiceConfig.Problem)?.message ?? "\(error)"
        }
    }

    @Test func defaultsWithoutAFile() throws {
        let config = try ServiceConfig.load(file: nil, contents: nil, environment: [:])
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.dataDirectory == "data")
        #expect(config.baseTemplates == "BaseTemplates")
        #expect(config.maxBodyBytes == 1 << 20)
    }

    @Test func theFileThenTheEnvironment() throws {
        let config = try load(#"{"server": {"host": "0.0.0.0", "port": 9000, "data_dir": "/var/lib/kassa"}, "limits": {"template_bytes": 65536}}"#,
                              environment: ["KASSA_PORT": "9100"])
        #expect(config.host == "0.0.0.0")
        #expect(config.port == 9100)
        #expect(config.dataDirectory == "/var/lib/kassa")
        #expect(config.maxTemplateBytes == 65536)
    }

    @Test func mistakesNameTheFieldAndWhatIsWrong() {
        #expect(problem("{\n  \"server\": {\"port\": }\n}") == "kassa.json:2:22: error: unexpected character '}'")
        #expect(problem(#"{"server": {"prot": 1}}"#) == "kassa.json: server.prot: error: unknown setting (did you mean 'port'?); known here: host, port, data_dir, max_body_bytes")
        #expect(problem(#"{"server": {"port": 70000}}"#) == "kassa.json: server.port: error: must be a whole number from 0 to 65535")
        #expect(problem(#"{"providers": {"smsru": {}}}"#) == "kassa.json: providers.smsru: error: unknown setting (did you mean 'sms_ru'?); known here: sms_ru, smtp, viber, vk")
        #expect(problem(#"{"dkim": [{"domain": "a.ru"}]}"#) == "kassa.json: dkim[0]: error: needs domain, selector and private_key")
        #expect(problem(#"[1]"#) == "kassa.json: error: must be an object")
        #expect(problem("{}", environment: ["KASSA_PORT": "http"]) == "KASSA_PORT must be a number from 0 to 65535, not 'http'")
    }

    @Test func aPlainTextSecretIsRefused() {
        let message = problem(#"{"providers": {"smtp": {"url": "smtps://smtp.example.ru", "password": "hunter2"}}}"#)
        #expect(message == "kassa.json: providers.smtp.password: error: a secret is never written in plain text: seal it with `kassa secret seal --context providers.smtp.password` or write env:VARIABLE")
        #expect(message?.contains("hunter2") == false)
    }

    @Test func secretsFromTheEnvironmentAndSealed() throws {
        let box = try SecretBox(key: key)
        let sealed = "sealed:" + (try box.seal("s3cret", context: "providers.smtp.password"))
        let dkim = "sealed:" + (try box.seal("-----BEGIN PRIVATE KEY-----", context: "dkim.private_key"))
        var config = try load("""
            {"providers": {"smtp": {"url": "smtps://smtp.example.ru", "password": "\(sealed)"}, "sms_ru": {"api_id": "env:SMSRU_ID"}},
             "dkim": [{"domain": "apikassa.ru", "selector": "k1", "private_key": "\(dkim)"}]}
            """, environment: ["SMSRU_ID": "abc-123"])
        #expect(config.hasSealedSecrets)
        #expect(config.providers["sms_ru"]?.secrets["api_id"]?.value == "abc-123")
        try config.openSecrets(with: box)
        #expect(!config.hasSealedSecrets)
        #expect(config.providers["smtp"]?.secrets["password"]?.value == "s3cret")
        #expect(config.providers["smtp"]?.settings["url"] == "smtps://smtp.example.ru")
        #expect(config.dkim.first?.privateKey.value == "-----BEGIN PRIVATE KEY-----")
        // Printed, a secret is only said to be there.
        let printed = config.json.jsonString
        #expect(!printed.contains("s3cret") && !printed.contains("abc-123") && !printed.contains("BEGIN"))
        #expect(printed.contains(#""password":"<secret>""#))
        #expect("\(config.providers["smtp"]!.secrets["password"]!)" == "<secret>")
    }

    @Test func aSecretMovedToAnotherFieldOrKeyDoesNotOpen() throws {
        let box = try SecretBox(key: key)
        let sealed = "sealed:" + (try box.seal("s3cret", context: "providers.smtp.password"))
        var moved = try load(#"{"providers": {"viber": {"api_key": "\#(sealed)"}}}"#)
        #expect(throws: ServiceConfig.Problem.self) { try moved.openSecrets(with: box) }
        var otherKey = try load(#"{"providers": {"smtp": {"password": "\#(sealed)"}}}"#)
        #expect(throws: ServiceConfig.Problem.self) { try otherKey.openSecrets(with: try SecretBox(key: [UInt8](repeating: 8, count: 32))) }
        #expect(problem(#"{"providers": {"vk": {"token": "env:VK_TOKEN"}}}"#) == "kassa.json: providers.vk.token: error: the environment variable VK_TOKEN is not set")
    }

    @Test func sealThenCheckThroughTheCommandLine() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sealed = kassa(["secret", "seal", "--context", "providers.smtp.password", "--data-dir", dir.path], stdin: "s3cret\n")
        #expect(sealed.status == 0)
        #expect(sealed.out.hasPrefix("sealed:v1:"))
        #expect(!sealed.out.contains("s3cret"))
        // The master key was made in the data folder, readable by its owner only.
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("master.key").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let file = dir.appendingPathComponent("kassa.json")
        let text = #"{"providers": {"smtp": {"url": "smtps://smtp.example.ru", "password": "\#(sealed.out.trimmingCharacters(in: .newlines))"}}}"#
        try text.write(to: file, atomically: true, encoding: .utf8)
        let checked = kassa(["config", "check", "--config", file.path, "--data-dir", dir.path, "--json",
                             "--base-templates", BaseTemplateTests.root.path])
        #expect(checked.status == 0)
        #expect(checked.err.contains("base templates: 20 loaded"))
        guard case .object(let o) = try Value(json: checked.out), case .object(let providers)? = o["providers"] else {
            Issue.record("not a JSON document: \(checked.out)")
            return
        }
        #expect(providers["smtp"] == ["password": "<secret>", "url": "smtps://smtp.example.ru"])
        // The same file with another master key fails, saying which field.
        let wrongKey = kassa(["config", "check", "--config", file.path, "--data-dir", dir.path, "--base-templates", BaseTemplateTests.root.path],
                             environment: ["KASSA_MASTER_KEY": Crypto.base64URL([UInt8](repeating: 1, count: 32))])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.err.contains("providers.smtp.password: error: cannot open the sealed secret"))
        #expect(kassa(["secret", "seal", "--data-dir", dir.path], stdin: "x").status == 2)
        #expect(kassa(["secret", "seal", "--context", "vk.token", "--data-dir", dir.path], stdin: "").status == 1)
    }
}
