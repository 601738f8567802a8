import Foundation
import Testing
import TestPeers
@testable import KassaApp

/// `kassa send-email` end to end: aiosmtpd on loopback receives the message; Python's `email`
/// reads it back and dkimpy verifies its signature.
@Suite(.serialized) struct SendEmailCommandTests {
    @Test func sendsASignedMessageWithAnInlineLogoAndAnAttachment() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("mail.html")
        try #"<p>Здравствуйте! Заказ оплачен.</p><img src="cid:logo" alt="Ромашка">"#.write(to: html, atomically: true, encoding: .utf8)
        let logo = dir.appendingPathComponent("logo.png")
        try Data((0..<2000).map { UInt8($0 % 251) }).write(to: logo)
        let pdf = dir.appendingPathComponent("receipt.pdf")
        try Data("%PDF-1.4 test".utf8).write(to: pdf)
        let key = dir.appendingPathComponent("dkim.pem")
        _ = try ExternalTool.run(ExternalTool.openssl, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.path])
        let publicKey = try ExternalTool.run(ExternalTool.openssl, ["pkey", "-in", key.path, "-pubout"])
            .split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()

        let peer = try PythonPeer("smtp_server.py", [])
        let port = try await peer.port()
        let result = await kassaAsync(["send-email", "--smtp", "smtp://127.0.0.1:\(port)", "--tls", "none",
                                       "--from", "kassa@apikassa.ru", "--from-name", "ООО «Ромашка»", "--reply-to", "help@romashka.ru",
                                       "--to", "payer@example.ru", "--subject", "Заказ KO-2026-001542 оплачен", "--html", html.path,
                                       "--inline", logo.path, "--attach", pdf.path,
                                       "--dkim-key", key.path, "--dkim-domain", "apikassa.ru", "--dkim-selector", "k1"])
        #expect(result.status == 0, "\(result.err)")
        let messageID = result.out.trimmingCharacters(in: .newlines)
        #expect(messageID.hasPrefix("<test-") && messageID.hasSuffix("@apikassa.ru>"))
        let event = try await peer.wait(for: "the message") { $0["event"] as? String == "message" }
        let bytes = try #require((event["data"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init))

        let script = """
            import sys, json, email, email.policy, dkim
            data = sys.stdin.buffer.read()
            key = sys.argv[1].encode()
            ok = dkim.verify(data, dnsfunc=lambda name, timeout=5: b"v=DKIM1; k=rsa; p=" + key if name == b"k1._domainkey.apikassa.ru." else None)
            m = email.message_from_bytes(data, policy=email.policy.default)
            parts = [p.get_content_type() for p in m.walk()]
            logo = [p for p in m.walk() if p.get("Content-ID") == "<logo>"]
            print(json.dumps({"dkim": ok, "subject": m["subject"], "from": str(m["from"]), "reply_to": str(m["reply-to"]),
                              "message_id": m["message-id"], "parts": parts, "logo_size": len(logo[0].get_content()) if logo else -1,
                              "text": m.get_body(("plain",)).get_content()}))
            """
        let parsed = try ExternalTool.run(PythonPeer.python, ["-c", script, publicKey], input: bytes)
        guard let o = try JSONSerialization.jsonObject(with: Data(parsed.utf8)) as? [String: Any] else {
            Issue.record("not JSON: \(parsed)")
            return
        }
        #expect(o["dkim"] as? Bool == true)
        #expect(o["subject"] as? String == "Заказ KO-2026-001542 оплачен")
        #expect(o["from"] as? String == "ООО «Ромашка» <kassa@apikassa.ru>")
        #expect(o["reply_to"] as? String == "help@romashka.ru")
        #expect(o["message_id"] as? String == messageID)
        #expect(o["parts"] as? [String] == ["multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html",
                                            "image/png", "application/pdf"])
        #expect(o["logo_size"] as? Int == 2000)
        // No --text: the text part is derived from the HTML.
        #expect((o["text"] as? String)?.contains("Здравствуйте! Заказ оплачен.") == true)
    }

    @Test func exitStatusSaysPermanentOrRetryable() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("mail.html")
        try "<p>x</p>".write(to: html, atomically: true, encoding: .utf8)
        for (refusal, status) in [("RCPT:550 5.1.1 No such user", Int32(1)), ("DATA:451 4.3.0 Try later", Int32(75))] {
            let peer = try PythonPeer("smtp_server.py", ["--refuse", refusal])
            let port = try await peer.port()
            let result = await kassaAsync(["send-email", "--smtp", "smtp://127.0.0.1:\(port)", "--tls", "none", "--from", "kassa@apikassa.ru",
                                           "--to", "payer@example.ru", "--subject", "x", "--html", html.path, "--json"])
            #expect(result.status == status, "\(refusal): \(result.err)")
            #expect(result.out.contains(#""status":"failed""#))
            peer.stop()
        }
        let usage = await kassaAsync(["send-email", "--from", "kassa@apikassa.ru"])
        #expect(usage.status == 2)
        #expect(usage.err.contains("--smtp is required"))
        let injected = await kassaAsync(["send-email", "--smtp", "smtp://127.0.0.1:1", "--tls", "none", "--from", "kassa@apikassa.ru",
                                         "--to", "payer@example.ru", "--subject", "x\r\nBcc: victim@example.ru", "--html", html.path])
        #expect(injected.status == 1)
        #expect(injected.err.contains("Subject"))
    }
}
