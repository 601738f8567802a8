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
        #expect(problem(#"{"server": {"prot": 1}}"#) == "kassa.json: server.prot: error: unknown setting (did you mean 'port'?); known here: host, port, data_dir, max_body_bytes, public_url")
        #expect(problem(#"{"server": {"port": 70000}}"#) == "kassa.json: server.port: error: must be a whole number from 0 to 65535")
        #expect(problem(#"{"providers": {"smsru": {}}}"#) == "kassa.json: providers.smsru: error: unknown setting (did you mean 'sms_ru'?); known here: sms_ru, smtp, viber, vk")
        #expect(problem(#"{"dkim": [{"domain": "a.ru"}]}"#) == "kassa.json: dkim[0]: error: needs domain, selector and private_key")
        #expect(problem(#"[1]"#) == "kassa.json: error: must be an object")
        #expect(problem("{}", environment: ["KASSA_PORT": "http"]) == "KASSA_PORT must be a number from 0 to 65535, not 'http'")
    }

    @Test func thePublicURLDefaultsToTheListeningAddressAndIsChecked() throws {
        #expect(try load(#"{"server": {"host": "10.0.0.5", "port": 9000}}"#).effectivePublicURL == "http://10.0.0.5:9000")
        #expect(try load(#"{"server": {"public_url": "https://kassa.apikassa.ru/"}}"#).effectivePublicURL == "https://kassa.apikassa.ru")
        #expect(try load(#"{"server": {"public_url": "https://apikassa.ru/kassa"}}"#).publicURL == "https://apikassa.ru/kassa")
        #expect(try load("{}", environment: ["KASSA_PUBLIC_URL": "https://k.example"]).publicURL == "https://k.example")
        let usage = "must be an absolute http(s) URL with a host and no query, such as \"https://kassa.apikassa.ru\", of at most 200 characters"
        #expect(problem(#"{"server": {"public_url": "kassa.apikassa.ru"}}"#) == "kassa.json: server.public_url: error: \(usage); not 'kassa.apikassa.ru'")
        #expect(problem(#"{"server": {"public_url": "ftp://kassa.apikassa.ru"}}"#) == "kassa.json: server.public_url: error: \(usage); not 'ftp://kassa.apikassa.ru'")
        #expect(problem(#"{"server": {"public_url": "https://a.ru/?x=1"}}"#) == "kassa.json: server.public_url: error: \(usage); not 'https://a.ru/?x=1'")
        #expect(problem(#"{"server": {"public_url": "https://u:p@a.ru"}}"#) == "kassa.json: server.public_url: error: \(usage); not 'https://u:p@a.ru'")
        #expect(problem(#"{"server": {"public_url": 8080}}"#) == "kassa.json: server.public_url: error: must be a string")
        #expect(problem("{}", environment: ["KASSA_PUBLIC_URL": "https://a ru"]) == "KASSA_PUBLIC_URL \(usage); not 'https://a ru'")
    }

    @Test func sendingLimitsAndQuietHours() throws {
        let defaults = try load("{}").sending
        #expect(defaults.quietHours?.description == "21:00-09:00")
        #expect(defaults.partnerDaily == [.sms: 2000, .viber: 5000, .vk: 5000, .email: 50000])
        #expect(defaults.recipientHourly == [.sms: 5, .viber: 5])
        #expect(defaults.recipientDaily == [.sms: 20, .viber: 20])
        let config = try load(#"{"sending": {"quiet_hours": "22:30-08:00", "partner_daily": {"sms": 100}, "recipient_hourly": {"email": 3}}}"#)
        #expect(config.sending.quietHours == QuietHours(start: 22 * 60 + 30, end: 8 * 60))
        #expect(config.sending.partnerDaily[.sms] == 100)
        #expect(config.sending.partnerDaily[.email] == 50000)
        #expect(config.sending.recipientHourly == [.sms: 5, .viber: 5, .email: 3])
        #expect(try load(#"{"sending": {"quiet_hours": "off"}}"#).sending.quietHours == nil)
        #expect(config.json.jsonString.contains(#""quiet_hours":"22:30-08:00""#))

        #expect(problem(#"{"sending": {"quiet_hours": "21-9"}}"#)
                == #"kassa.json: sending.quiet_hours: error: must be "HH:MM-HH:MM" in Moscow time, such as "21:00-09:00", or "off"; not '21-9'"#)
        #expect(problem(#"{"sending": {"quiet_hours": "24:00-09:00"}}"#)?.hasPrefix("kassa.json: sending.quiet_hours: error: must be") == true)
        #expect(problem(#"{"sending": {"quiet_hours": "09:00-09:00"}}"#)
                == #"kassa.json: sending.quiet_hours: error: starts and ends at the same time; write "off" for no quiet hours"#)
        #expect(problem(#"{"sending": {"partner_daily": {"telegram": 5}}}"#)
                == "kassa.json: sending.partner_daily.telegram: error: unknown setting; known here: email, sms, viber, vk")
        #expect(problem(#"{"sending": {"recipient_daily": {"sms": -1}}}"#)
                == "kassa.json: sending.recipient_daily.sms: error: must be a whole number from 0 to 100000000")
        #expect(problem(#"{"sending": {"quiet_hour": "21:00-09:00"}}"#)
                == "kassa.json: sending.quiet_hour: error: unknown setting (did you mean 'quiet_hours'?); known here: quiet_hours, partner_daily, recipient_hourly, recipient_daily")
    }

    @Test func quietHoursFindTheEndOfTheirWindowInMoscowTime() throws {
        let quiet = QuietHours(start: 21 * 60, end: 9 * 60)
        func utc(_ text: String) throws -> Date { try #require(StoredTime.date(text)) }
        // 22:00 Moscow is 19:00 UTC; the window ends at 09:00 Moscow the next day, 06:00 UTC.
        #expect(quiet.end(ofWindowContaining: try utc("2026-11-29T19:00:00.000Z")) == (try utc("2026-11-30T06:00:00.000Z")))
        // 03:00 Moscow (00:00 UTC): the same morning.
        #expect(quiet.end(ofWindowContaining: try utc("2026-11-30T00:00:00.000Z")) == (try utc("2026-11-30T06:00:00.000Z")))
        // 09:00 and 20:59 Moscow are outside; 21:00 is inside.
        #expect(quiet.end(ofWindowContaining: try utc("2026-11-30T06:00:00.000Z")) == nil)
        #expect(quiet.end(ofWindowContaining: try utc("2026-11-30T17:59:00.000Z")) == nil)
        #expect(quiet.end(ofWindowContaining: try utc("2026-11-30T18:00:00.000Z")) == (try utc("2026-12-01T06:00:00.000Z")))
        // A window inside one day.
        let lunch = QuietHours(start: 13 * 60, end: 14 * 60)
        #expect(lunch.end(ofWindowContaining: try utc("2026-11-30T10:30:00.000Z")) == (try utc("2026-11-30T11:00:00.000Z")))
        #expect(lunch.end(ofWindowContaining: try utc("2026-11-30T09:30:00.000Z")) == nil)
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
