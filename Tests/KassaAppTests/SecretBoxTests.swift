import Foundation
import Testing
@testable import KassaApp

@Suite struct SecretBoxTests {
    let box = try! SecretBox(key: Array(repeating: 7, count: 32))

    @Test(arguments: ["", "smtp-пароль: Ромашка & Ко", String(repeating: "k", count: 5000)])
    func sealsAndOpens(_ secret: String) throws {
        let sealed = try box.seal(secret, context: "smtp.password")
        #expect(sealed.hasPrefix("v1:"))
        #expect(!sealed.contains(secret) || secret.isEmpty)
        #expect(try box.open(sealed, context: "smtp.password") == secret)
    }

    @Test func everySealIsDifferent() throws {
        #expect(try box.seal("x", context: "c") != (try box.seal("x", context: "c")))
    }

    @Test func alteredWrongKeyOrWrongUseFails() throws {
        let sealed = try box.seal("secret", context: "webhook.secret")
        var chars = Array(sealed)
        chars[10] = chars[10] == "A" ? "B" : "A"
        #expect(throws: SecretBox.Failure.self) { try box.open(String(chars), context: "webhook.secret") }
        let other = try SecretBox(key: Array(repeating: 8, count: 32))
        #expect(throws: SecretBox.Failure.self) { try other.open(sealed, context: "webhook.secret") }
        #expect(throws: SecretBox.Failure.self) { try box.open(sealed, context: "dkim.key") }
        #expect(throws: SecretBox.Failure.self) { try box.open("v1:abc", context: "webhook.secret") }
        #expect(throws: SecretBox.Failure.self) { try box.open("plain", context: "webhook.secret") }
    }

    @Test func masterKeyFromTheEnvironmentOrAFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("keys/master.key")
        let created = try SecretBox.load(environment: [:], file: file)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let sealed = try created.seal("s", context: "c")
        #expect(try SecretBox.load(environment: [:], file: file).open(sealed, context: "c") == "s")
        let key = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let fromEnvironment = try SecretBox.load(environment: ["KASSA_MASTER_KEY": key], file: dir.appendingPathComponent("none"))
        #expect(try fromEnvironment.open(sealed, context: "c") == "s")
        #expect(throws: (any Error).self) { try SecretBox.load(environment: ["KASSA_MASTER_KEY": "short"], file: file) }
    }
}
