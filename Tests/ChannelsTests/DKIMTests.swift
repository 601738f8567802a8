import Foundation
import Testing
import TestPeers
@testable import Channels

@Suite struct DKIMCanonicalizationTests {
    private func header(_ field: String) -> String {
        String(decoding: DKIMCanonicalization.relaxedHeaderField(Array(field.utf8)), as: UTF8.self)
    }

    private func body(_ body: String) -> String {
        String(decoding: DKIMCanonicalization.relaxedBody(Array(body.utf8)), as: UTF8.self)
    }

    @Test func rfc6376Example() throws {
        // RFC 6376 §3.4.5: "A: X", "B : Y<HTAB>" folded onto "<HTAB>Z<SP><SP>", then a body with trailing whitespace and empty lines.
        let message = Array("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".utf8)
        let parsed = try DKIMMessage(message)
        #expect(parsed.headerFields.map(\.name) == ["a", "b"])
        #expect(parsed.headerFields.map { String(decoding: DKIMCanonicalization.relaxedHeaderField($0.bytes), as: UTF8.self) }
                == ["a:X\r\n", "b:Y Z\r\n"])
        #expect(String(decoding: DKIMCanonicalization.relaxedBody(parsed.body), as: UTF8.self) == " C\r\nD E\r\n")
    }

    @Test(arguments: [
        ("Subject:  hi  there ", "subject:hi there\r\n"),
        ("SUBJECT:\r\n\tfolded\r\n value\r\n", "subject:folded value\r\n"),
        ("To: anna@example.com,\r\n  boris@example.com", "to:anna@example.com, boris@example.com\r\n"),
        ("X-Empty:", "x-empty:\r\n"),
        ("X-Empty: \t ", "x-empty:\r\n"),
        ("Subject: =?UTF-8?B?0JfQsNC60LDQtw==?=", "subject:=?UTF-8?B?0JfQsNC60LDQtw==?=\r\n"),
        ("Content-Type: text/plain;\tcharset=utf-8", "content-type:text/plain; charset=utf-8\r\n"),
    ])
    func relaxedHeader(field: String, expected: String) {
        #expect(header(field) == expected)
    }

    @Test(arguments: [
        ("", ""),
        ("\r\n", ""),
        ("\r\n\r\n\r\n", ""),
        (" \t \r\n\t\r\n", ""),
        ("abc", "abc\r\n"),
        ("abc \t", "abc\r\n"),
        ("abc\r\n", "abc\r\n"),
        (" lead\r\n", " lead\r\n"),
        ("a\t\tb  c \r\n", "a b c\r\n"),
        ("a\r\n \r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n"),
        ("привет  мир \r\n", "привет мир\r\n"),
    ])
    func relaxedBody(input: String, expected: String) {
        #expect(body(input) == expected)
    }
}

@Suite struct DKIMMessageTests {
    @Test func splitsFieldsWithContinuationsAndBody() throws {
        let parsed = try DKIMMessage(Array("From: a@x.ru\r\nTo: b@y.ru,\r\n\tc@z.ru\r\nSubject: s\r\n\r\nline\r\n\r\n".utf8))
        #expect(parsed.headerFields.map(\.name) == ["from", "to", "subject"])
        #expect(String(decoding: parsed.headerFields[1].bytes, as: UTF8.self) == "To: b@y.ru,\r\n\tc@z.ru")
        #expect(String(decoding: parsed.body, as: UTF8.self) == "line\r\n\r\n")
    }

    @Test func headerOnlyMessageHasAnEmptyBody() throws {
        #expect(try DKIMMessage(Array("From: a@x.ru\r\n".utf8)).body.isEmpty)
        #expect(try DKIMMessage(Array("From: a@x.ru\r\n\r\n".utf8)).body.isEmpty)
    }

    @Test func malformedMessagesAreRefusedWithTheirLine() {
        #expect(throws: DKIMError.bareLineBreak(line: 2)) { try DKIMMessage(Array("From: a@x.ru\r\nTo: b@y.ru\n\r\nbody\r\n".utf8)) }
        #expect(throws: DKIMError.bareLineBreak(line: 4)) { try DKIMMessage(Array("From: a@x.ru\r\n\r\nbody\r\nbare\rCR\r\n".utf8)) }
        // The first bare break in the message is named, whichever kind; at either end too.
        #expect(throws: DKIMError.bareLineBreak(line: 2)) { try DKIMMessage(Array("From: a@x.ru\r\nTo: b\n\r\nbody\rx\r\n".utf8)) }
        #expect(throws: DKIMError.bareLineBreak(line: 1)) { try DKIMMessage(Array("\nFrom: a@x.ru\r\n".utf8)) }
        #expect(throws: DKIMError.bareLineBreak(line: 2)) { try DKIMMessage(Array("From: a@x.ru\r\n\r".utf8)) }
        #expect(throws: DKIMError.malformedHeaderField(line: 2)) { try DKIMMessage(Array("From: a@x.ru\r\nno colon here\r\n\r\n".utf8)) }
        #expect(throws: DKIMError.malformedHeaderField(line: 1)) { try DKIMMessage(Array(" From: a@x.ru\r\n\r\n".utf8)) }
        #expect(throws: DKIMError.malformedHeaderField(line: 2)) { try DKIMMessage(Array("From: a@x.ru\r\n: empty name\r\n\r\n".utf8)) }
    }
}

@Suite struct DKIMSignatureFieldTests {
    private let field = DKIMSignatureField(domain: "apikassa.ru", selector: "mail2025", timestamp: 1_740_812_400,
                                           signedHeaders: DKIMSigner.defaultSignedHeaders,
                                           bodyHash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")

    @Test func foldsWithinSeventyEightCharacters() {
        let signature = String(repeating: "AbC+/9", count: 57) + "xy=="
        let text = field.folded(signature: signature)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.count > 5)
        #expect(lines.allSatisfy { $0.utf8.count <= DKIMSignatureField.maximumLineLength })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") && !$0.hasPrefix("  ") })
        #expect(text.replacingOccurrences(of: "\r\n", with: "").replacingOccurrences(of: " ", with: "") == """
            DKIM-Signature:v=1;a=rsa-sha256;c=relaxed/relaxed;d=apikassa.ru;s=mail2025;t=1740812400;\
            h=from:to:reply-to:subject:date:message-id:mime-version:content-type:list-unsubscribe:list-unsubscribe-post;\
            bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;b=\(signature)
            """)
    }

    @Test func emptySignatureLeavesBEqualsLast() {
        let text = field.folded(signature: "")
        #expect(text.hasSuffix(" b="))
        let canonical = String(decoding: DKIMCanonicalization.relaxedHeaderField(Array(text.utf8)), as: UTF8.self)
        #expect(canonical.hasPrefix("dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=apikassa.ru; s=mail2025; t=1740812400; h=from:"))
        #expect(canonical.hasSuffix("; b=\r\n"))
    }
}

@Suite struct DKIMSignerTests {
    private static let domain = "apikassa.ru"
    private static let selector = "mail2025"
    private static let signingTime = Date(timeIntervalSince1970: 1_740_812_400)

    private func signer(_ key: TestKey) throws -> DKIMSigner {
        try DKIMSigner(domain: Self.domain, selector: Self.selector, privateKeyPEM: key.privatePEM)
    }

    private func verify(_ message: [UInt8], _ key: TestKey) throws -> DKIMPy.Verdict {
        try DKIMPy.verify(message, publicKey: key.publicKeyBase64, domain: Self.domain, selector: Self.selector)
    }

    @Test(arguments: SampleMessage.all)
    func dkimpyVerifiesSignedMessage(sample: SampleMessage) throws {
        let key = try TestKey.shared2048.get()
        for timestamp in [Self.signingTime, nil] {
            let signed = try signer(key).sign(sample.bytes, timestamp: timestamp)
            #expect(Array(signed.suffix(sample.bytes.count)) == sample.bytes, "the message after the signature is unchanged")
            let verdict = try verify(signed, key)
            #expect(verdict == .pass, "\(verdict)")
        }
    }

    /// The DKIM-Signature field at the top of `signed`, as its lines.
    private func signatureLines(_ signed: [UInt8]) throws -> [String] {
        let text = String(decoding: signed, as: UTF8.self)
        let end = try #require(text.range(of: "\r\nFrom:", options: .caseInsensitive)?.lowerBound)
        return text[..<end].components(separatedBy: "\r\n")
    }

    /// The tags of the DKIM-Signature field at the top of `signed`, with folding whitespace removed.
    private func signatureTags(_ signed: [UInt8]) throws -> [String: String] {
        let unfolded = try signatureLines(signed).joined().replacingOccurrences(of: " ", with: "")
        #expect(unfolded.hasPrefix("DKIM-Signature:"))
        let pairs = unfolded.dropFirst("DKIM-Signature:".count).split(separator: ";").map { tag in
            let parts = tag.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count == 2 ? String(parts[1]) : "")
        }
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    @Test func signatureFieldTags() throws {
        let key = try TestKey.shared2048.get()
        let signed = try signer(key).sign(SampleMessage.listUnsubscribe.bytes, timestamp: Self.signingTime)
        let lines = try signatureLines(signed)
        #expect(lines[0] == "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=apikassa.ru;")
        #expect(lines[1].hasPrefix(" s=mail2025; t=1740812400; h=from:to:reply-to:"))
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        let tags = try signatureTags(signed)
        #expect(tags.keys.sorted() == ["a", "b", "bh", "c", "d", "h", "s", "t", "v"])
        #expect(tags["t"] == "1740812400")
        #expect(tags["h"] == "from:to:reply-to:subject:date:message-id:mime-version:content-type:list-unsubscribe:list-unsubscribe-post")
        #expect(Data(base64Encoded: try #require(tags["bh"]))?.count == 32)
        #expect(Data(base64Encoded: try #require(tags["b"]))?.count == 256)

        let untimed = try signatureTags(try signer(key).sign(SampleMessage.foldedHeaders.bytes, timestamp: nil))
        #expect(untimed["t"] == nil)
        #expect(untimed["h"] == "from:to:subject:date:message-id")
        // The body hash of an empty body is the SHA-256 of nothing (relaxed canonicalisation keeps it empty).
        let empty = try signatureTags(try signer(key).sign(SampleMessage.emptyBody.bytes, timestamp: nil))
        #expect(empty["bh"] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }

    /// A one-click link as long as the service's signed unsubscribe tokens get (a long address in
    /// the token): written on one line, never folded, signed, and a changed link fails.
    @Test func aLongOneClickLinkStaysOnOneSignedLine() throws {
        let key = try TestKey.shared2048.get()
        let url = "https://kassa.apikassa.ru/u/" + String(repeating: "MQpwcnRfM2Y5YTFjCmVtYWlsCmFubmEu", count: 12) + ".3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        var message = EmailMessage(from: try EmailAddress("noreply@apikassa.ru", name: "ООО «Кадастр-Онлайн»"),
                                   to: [try EmailAddress("anna@example.ru")], subject: "Напоминание", text: "Текст",
                                   messageID: "<n-1.email@apikassa.ru>", date: Self.signingTime)
        message.listUnsubscribe = try ListUnsubscribe(url: url)
        let signed = try signer(key).sign(try MIMEWriter.render(message), timestamp: Self.signingTime)
        let text = String(decoding: signed, as: UTF8.self)
        #expect(text.contains("\r\nList-Unsubscribe: <\(url)>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(try signatureTags(signed)["h"]?.hasSuffix("list-unsubscribe:list-unsubscribe-post") == true)
        #expect(try verify(signed, key) == .pass)
        let redirected = text.replacingOccurrences(of: "https://kassa.apikassa.ru/u/", with: "https://evil.example/u/")
        #expect(try verify(Array(redirected.utf8), key) != .pass)
    }

    @Test func tamperedBodyOrSubjectFailsVerification() throws {
        let key = try TestKey.shared2048.get()
        let signed = String(decoding: try signer(key).sign(SampleMessage.plain.bytes, timestamp: Self.signingTime), as: UTF8.self)
        #expect(try verify(Array(signed.utf8), key) == .pass)

        let body = signed.replacingOccurrences(of: "450.00 RUB", with: "950.00 RUB")
        #expect(body != signed)
        let bodyVerdict = try verify(Array(body.utf8), key)
        #expect(bodyVerdict != .pass)
        #expect(bodyVerdict.description.contains("body hash mismatch"), "\(bodyVerdict)")

        // The body still matches bh=, so it is the header signature in b= that fails.
        let subject = signed.replacingOccurrences(of: "Subject: Payment received", with: "Subject: Payment refused")
        #expect(subject != signed)
        let subjectVerdict = try verify(Array(subject.utf8), key)
        #expect(subjectVerdict != .pass)
        #expect(!subjectVerdict.description.contains("body hash mismatch"), "\(subjectVerdict)")

        let addedRecipient = signed.replacingOccurrences(of: "To: anna@example.com", with: "To: anna@example.com, eve@example.net")
        #expect(try verify(Array(addedRecipient.utf8), key) != .pass)
    }

    @Test func relaxedCanonicalisationSurvivesWhitespaceChangesInTransit() throws {
        let key = try TestKey.shared2048.get()
        let signed = String(decoding: try signer(key).sign(SampleMessage.plain.bytes, timestamp: Self.signingTime), as: UTF8.self)
        let rewritten = signed
            .replacingOccurrences(of: "To: anna@example.com", with: "TO:\r\n\t anna@example.com  ")
            .replacingOccurrences(of: "Hello Anna,", with: "Hello   Anna, \t")
            + "\r\n\r\n"
        #expect(try verify(Array(rewritten.utf8), key) == .pass)
    }

    @Test func pkcs1KeyWorksLikePKCS8() throws {
        let key = try TestKey.shared2048.get()
        let traditional = try TestKey.convert(key, to: ["-traditional"])
        #expect(traditional.privatePEM.contains("-----BEGIN RSA PRIVATE KEY-----"))
        #expect(key.privatePEM.contains("-----BEGIN PRIVATE KEY-----"))
        let fromPKCS1 = try signer(traditional).sign(SampleMessage.cyrillicSubject.bytes, timestamp: Self.signingTime)
        let fromPKCS8 = try signer(key).sign(SampleMessage.cyrillicSubject.bytes, timestamp: Self.signingTime)
        // RSASSA-PKCS1-v1_5 is deterministic: the same key gives the same signature whatever its PEM form.
        #expect(fromPKCS1 == fromPKCS8)
        #expect(try verify(fromPKCS1, key) == .pass)
    }

    @Test func concurrentSigningWithOneSignerGivesTheSequentialSignature() async throws {
        let key = try TestKey.shared2048.get()
        let signer = try signer(key)
        let messages = SampleMessage.all.map(\.bytes)
        let expected = try messages.map { message throws in try signer.sign(message, timestamp: Self.signingTime) }
        let results = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for _ in 0..<4 {
                for (index, message) in messages.enumerated() {
                    group.addTask { (index, try signer.sign(message, timestamp: Self.signingTime)) }
                }
            }
            return try await group.reduce(into: [(Int, [UInt8])]()) { $0.append($1) }
        }
        #expect(results.count == 4 * messages.count)
        for (index, signed) in results {
            #expect(signed == expected[index])
        }
        #expect(try verify(expected[0], key) == .pass)
    }

    @Test func smallKeyIsRefused() throws {
        let small = try TestKey.generate(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"])
        #expect(throws: DKIMError.keyTooSmall(bits: 512)) { try signer(small) }
        let error = DKIMError.keyTooSmall(bits: 512)
        #expect(error.description == "The DKIM RSA key has 512 bits; verifiers reject keys under 1024 bits (RFC 8301), and 2048 bits is recommended.")
    }

    @Test func unusableKeysAreRefusedWithoutEchoingThem() throws {
        let key = try TestKey.shared2048.get()
        let armourLines = key.privatePEM.split(separator: "\n")
        let damaged = armourLines.enumerated().map { $0.offset == 3 ? "!!not base64!!" : String($0.element) }.joined(separator: "\n")
        let truncated = armourLines.prefix(5).joined(separator: "\n") + "\n" + armourLines.last!
        let publicPEM = "-----BEGIN PUBLIC KEY-----\n\(key.publicKeyBase64)\n-----END PUBLIC KEY-----\n"
        let cases: [(String, DKIMError)] = [
            ("", .keyNotPEM),
            ("not a key at all", .keyNotPEM),
            (String(armourLines[1]), .keyNotPEM),
            (damaged, .keyUnreadable),
            (truncated, .keyUnreadable),
            (publicPEM, .keyUnreadable),
            (try TestKey.convert(key, to: ["-aes256", "-passout", "pass:secret"]).privatePEM, .keyEncrypted),
            (try TestKey.convert(key, to: ["-traditional", "-aes256", "-passout", "pass:secret"]).privatePEM, .keyEncrypted),
            (try TestKey.generate(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]).privatePEM, .keyNotRSA),
            (try TestKey.generate(["-algorithm", "ED25519"]).privatePEM, .keyNotRSA),
        ]
        for (pem, expected) in cases {
            do {
                _ = try DKIMSigner(domain: Self.domain, selector: Self.selector, privateKeyPEM: pem)
                Issue.record("expected \(expected)")
            } catch {
                #expect(error == expected)
                #expect(!armourLines.dropFirst().dropLast().contains { error.description.contains($0) })
            }
        }
    }

    @Test func domainAndSelectorMustBeDNSNames() throws {
        let key = try TestKey.shared2048.get()
        for domain in ["", "apikassa", "-bad.ru", "bad-.ru", "a..ru", "apikassa.ru.", "апикасса.рф", "a b.ru", "x;y.ru",
                       String(repeating: "a", count: 64) + ".ru"] {
            let valid = DKIMSigner.isDNSName(domain)
            #expect(valid == (domain == "apikassa"), "\(domain)")
        }
        #expect(throws: DKIMError.invalidDomain("апикасса.рф")) {
            try DKIMSigner(domain: "апикасса.рф", selector: "s1", privateKeyPEM: key.privatePEM)
        }
        #expect(throws: DKIMError.invalidSelector("mail;2025")) {
            try DKIMSigner(domain: "xn--80aae3ae1b.xn--p1ai", selector: "mail;2025", privateKeyPEM: key.privatePEM)
        }
        #expect(throws: Never.self) {
            try DKIMSigner(domain: "xn--80aae3ae1b.xn--p1ai", selector: "2025-03.mail", privateKeyPEM: key.privatePEM)
        }
    }

    @Test func messagesDKIMCannotSignAreRefused() throws {
        let key = try TestKey.shared2048.get()
        let signer = try signer(key)
        #expect(throws: DKIMError.missingFrom) {
            try signer.sign(Array("To: a@x.ru\r\nSubject: s\r\n\r\nbody\r\n".utf8), timestamp: nil)
        }
        #expect(throws: DKIMError.bareLineBreak(line: 2)) {
            try signer.sign(Array("From: a@x.ru\r\nSubject: s\n\r\nbody\r\n".utf8), timestamp: nil)
        }
        #expect(throws: DKIMError.timestampOutOfRange) {
            try signer.sign(SampleMessage.plain.bytes, timestamp: Date(timeIntervalSince1970: -1))
        }
    }
}

/// A message the signer must get past dkimpy.
struct SampleMessage: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]

    var testDescription: String { name }

    /// Joins `lines` with CRLF and ends the last one with CRLF too, as SMTP DATA carries a message.
    init(_ name: String, _ lines: [String]) {
        self.name = name
        self.bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
    }

    static let plain = SampleMessage("plain ASCII", [
        "From: Apikassa <noreply@apikassa.ru>",
        "To: anna@example.com",
        "Subject: Payment received",
        "Date: Sat, 01 Mar 2025 10:00:00 +0300",
        "Message-ID: <20250301100000.1@apikassa.ru>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "Content-Transfer-Encoding: 7bit",
        "",
        "Hello Anna,",
        "your payment of 450.00 RUB was received.",
    ])

    static let cyrillicSubject = SampleMessage("Cyrillic RFC 2047 subject, 8-bit body", [
        "From: =?UTF-8?B?\(Data("Апикасса".utf8).base64EncodedString())?= <noreply@apikassa.ru>",
        "To: anna@example.com",
        "Subject: =?UTF-8?B?\(Data("Заказ №1042 оплачен, ".utf8).base64EncodedString())?=",
        " =?UTF-8?B?\(Data("спасибо за покупку!".utf8).base64EncodedString())?=",
        "Date: Sat, 01 Mar 2025 10:00:00 +0300",
        "Message-ID: <20250301100000.2@apikassa.ru>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Здравствуйте, Анна!",
        "Заказ №1042 на 450,00 ₽ оплачен.",
    ])

    static let foldedHeaders = SampleMessage("folded headers, odd case, repeated and unsigned fields", [
        "Received: from a.example by b.example; Sat, 01 Mar 2025 09:59:00 +0300",
        "Received: from c.example by a.example; Sat, 01 Mar 2025 09:58:00 +0300",
        "from: Apikassa\r\n\t<noreply@apikassa.ru>",
        "To: first@example.com",
        "TO: anna@example.com,\r\n  boris@example.com,\r\n\t\"Vera  Petrova\" <vera@example.com>",
        "SUBJECT:   Your   receipt\t \r\n  for order 1042   ",
        "Date: Sat, 01 Mar 2025\r\n 10:00:00 +0300",
        "X-Mailer: Apikassa",
        "Message-ID: <20250301100000.3@apikassa.ru>",
        "",
        "Receipt attached.",
    ])

    static let trailingWhitespace = SampleMessage("body with trailing whitespace and blank lines", [
        "From: noreply@apikassa.ru",
        "To: anna@example.com",
        "Subject: whitespace",
        "",
        "  indented line   ",
        "tabs\t\tinside \t and at end\t",
        "",
        "   ",
        "last line with content  ",
        "",
        " \t",
        "",
        "",
    ])

    static let multipart = SampleMessage("multipart/alternative body", [
        "From: Apikassa <noreply@apikassa.ru>",
        "To: anna@example.com",
        "Subject: Receipt",
        "Date: Sat, 01 Mar 2025 10:00:00 +0300",
        "Message-ID: <20250301100000.4@apikassa.ru>",
        "MIME-Version: 1.0",
        "Content-Type: multipart/alternative;",
        " boundary=\"=_kassa_7f3a9c\"",
        "",
        "This is a multi-part message in MIME format.",
        "",
        "--=_kassa_7f3a9c",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "=D0=A7=D0=B5=D0=BA =E2=84=961042: 450,00 =E2=82=BD",
        "",
        "--=_kassa_7f3a9c",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "<html><body><p>=D0=A7=D0=B5=D0=BA =E2=84=961042: <b>450,00 =E2=82=BD</b></p>=",
        "</body></html>",
        "",
        "--=_kassa_7f3a9c--",
    ])

    static let listUnsubscribe = SampleMessage("List-Unsubscribe, all ten signed headers", [
        "From: Apikassa <news@apikassa.ru>",
        "To: anna@example.com",
        "Reply-To: support@apikassa.ru",
        "Subject: March news",
        "Date: Sat, 01 Mar 2025 10:00:00 +0300",
        "Message-ID: <20250301100000.5@apikassa.ru>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "List-Unsubscribe: <https://apikassa.ru/unsubscribe/9f86d081884c7d65>, <mailto:unsubscribe@apikassa.ru?subject=9f86d081884c7d65>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "",
        "News for March.",
    ])

    static let emptyBody = SampleMessage("empty body", [
        "From: noreply@apikassa.ru",
        "To: anna@example.com",
        "Subject: (no body)",
        "",
    ])

    static let all = [plain, cyrillicSubject, foldedHeaders, trailingWhitespace, multipart, listUnsubscribe, emptyBody]
}

/// A test failure with a message that says what to fix.
/// An RSA (or other) key pair made by the openssl command for one test run.
struct TestKey: Sendable {
    /// The private key as openssl printed it.
    let privatePEM: String
    /// The DER SubjectPublicKeyInfo in base64, as the p= tag of the DNS record carries it.
    let publicKeyBase64: String

    /// One 2048-bit RSA key for all tests, generated on first use.
    static let shared2048 = Result<TestKey, any Error> { try generate(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]) }

    /// Runs `openssl genpkey` with `options` and derives the public key.
    static func generate(_ options: [String]) throws -> TestKey {
        let generated = try ExternalTool.run(ExternalTool.openssl, ["genpkey"] + options)
        return try TestKey(privatePEM: generated)
    }

    /// Rewrites `key` with `openssl pkey` and `options` (e.g. `-traditional` for PKCS#1).
    static func convert(_ key: TestKey, to options: [String]) throws -> TestKey {
        let converted = try ExternalTool.run(ExternalTool.openssl, ["pkey"] + options, input: Array(key.privatePEM.utf8))
        return TestKey(privatePEM: converted, publicKeyBase64: key.publicKeyBase64)
    }

    private init(privatePEM: String, publicKeyBase64: String) {
        self.privatePEM = privatePEM
        self.publicKeyBase64 = publicKeyBase64
    }

    private init(privatePEM: String) throws {
        let publicPEM = try ExternalTool.run(ExternalTool.openssl, ["pkey", "-pubout"], input: Array(privatePEM.utf8))
        self.privatePEM = privatePEM
        self.publicKeyBase64 = publicPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    }
}

/// dkimpy, the independent DKIM verifier, run through Python with the public key served in place of DNS.
enum DKIMPy {
    enum Verdict: Equatable, CustomStringConvertible {
        case pass
        case fail(log: String)

        var description: String {
            switch self {
            case .pass: "dkimpy: pass"
            case .fail(let log): "dkimpy: fail\n\(log)"
            }
        }
    }

    private static let script = """
        import logging, sys
        try:
            import dkim
        except Exception as error:
            sys.stderr.write("cannot import dkim (dkimpy): %r\\n" % (error,))
            sys.exit(3)
        expected_name, public_key = sys.argv[1].encode(), sys.argv[2].encode()
        logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format="%(message)s")
        def dnsfunc(name, timeout=5):
            if name != expected_name:
                sys.stderr.write("dkimpy asked for %r, not %r\\n" % (name, expected_name))
                return None
            return b"v=DKIM1; k=rsa; p=" + public_key
        ok = dkim.verify(sys.stdin.buffer.read(), logger=logging.getLogger("dkimpy"), dnsfunc=dnsfunc)
        sys.exit(0 if ok else 1)
        """

    static var python: String { PythonPeer.python }

    /// Verifies the topmost DKIM-Signature of `message` against `publicKey` published at `<selector>._domainkey.<domain>.`.
    static func verify(_ message: [UInt8], publicKey: String, domain: String, selector: String) throws -> Verdict {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure(description: """
                The DKIM tests need Python with dkimpy, but \(python) is not executable. \
                Set KASSA_TEST_PYTHON or create the virtualenv: python3 -m venv .venv && .venv/bin/pip install dkimpy
                """)
        }
        let result = try ExternalTool.runStatus(python, ["-c", script, "\(selector)._domainkey.\(domain).", publicKey], input: message)
        switch result.status {
        case 0: return .pass
        case 1: return .fail(log: result.stderr)
        default:
            throw TestFailure(description: "dkimpy could not run under \(python) (exit status \(result.status)): \(result.stderr)")
        }
    }
}
