import Foundation
import Testing
@testable import Channels

/// Sample content shared by the MIME writer tests.
enum MIMEFixture {
    /// 2026-11-29 06:15:00 UTC, a Sunday: 09:15 in Moscow.
    static let date = Date(timeIntervalSince1970: 1_795_932_900)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<2000).map { UInt8(($0 * 7 + 3) % 256) }
    static let pngSHA256 = "6dd12c41e2241e8a52b9015f70cc2a68bac540d9da33f3f1bac1c716f64ed898"
    static let pdf: [UInt8] = Array("%PDF-1.4\n".utf8) + (0..<5000).map { UInt8(($0 * 13 + 5) % 256) }
    static let pdfSHA256 = "8eedf47b7301ca206acd65afdf21b010c9a12a5cc58f36b593453cac0116a8c1"

    static let text = "Здравствуйте!\n\nЗаказ R-77812 оплачен: 1 234,50 ₽.\nЧек во вложении.\n"
    static let html = "<p>Здравствуйте!</p><p>Заказ <b>R-77812</b> оплачен: 1&nbsp;234,50&nbsp;₽.</p><img src=\"cid:logo@apikassa.ru\">"

    static func message(html: String? = nil, inline: [EmailAttachment] = [], attachments: [EmailAttachment] = [],
                        subject: String = "Заказ R-77812 оплачен", text: String = MIMEFixture.text) throws -> EmailMessage {
        EmailMessage(
            from: try EmailAddress("noreply@apikassa.ru", name: "ООО «Ромашка»"),
            to: [try EmailAddress("buyer@example.com", name: "Иван Петров")],
            replyTo: try EmailAddress("support@romashka.ru", name: "Поддержка Ромашки"),
            subject: subject, text: text, html: html, inline: inline, attachments: attachments,
            messageID: "<n-4f1c9a@apikassa.ru>", date: date)
    }

    static func logo() throws -> EmailAttachment {
        try EmailAttachment(filename: "logo.png", contentType: "image/png", data: png, contentID: "logo@apikassa.ru")
    }

    static func receipt(_ filename: String = "Чек №77812.pdf") throws -> EmailAttachment {
        try EmailAttachment(filename: filename, contentType: "application/pdf", data: pdf)
    }
}

/// The output's lines split on CRLF; records an issue for any bare CR or LF.
func mimeLines(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [[UInt8]] {
    var lines: [[UInt8]] = []
    var current: [UInt8] = []
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
            lines.append(current)
            current = []
            index += 2
            continue
        }
        if byte == 0x0D || byte == 0x0A {
            Issue.record("bare \(byte == 0x0D ? "CR" : "LF") at offset \(index)", sourceLocation: sourceLocation)
        }
        current.append(byte)
        index += 1
    }
    lines.append(current)
    return lines
}

/// The unfolded header fields of the top-level entity, as (name, raw value) pairs.
func mimeHeaders(_ bytes: [UInt8]) -> [(name: String, value: String)] {
    var fields: [(name: String, value: String)] = []
    for line in mimeLines(bytes) {
        if line.isEmpty { break }
        let text = String(decoding: line, as: UTF8.self)
        if text.first == " " || text.first == "\t", !fields.isEmpty {
            fields[fields.count - 1].value += text
        } else if let colon = text.firstIndex(of: ":") {
            fields.append((String(text[..<colon]), String(text[text.index(after: colon)...].dropFirst())))
        }
    }
    return fields
}

@Suite struct MIMEWriterTests {
    @Test func textOnlyMessageIsOnePlainPart() throws {
        let message = EmailMessage(
            from: try EmailAddress("noreply@apikassa.ru", name: "Romashka Shop"),
            to: [try EmailAddress("buyer@example.com")],
            subject: "Order R-77812 paid", text: "Thank you!\nTotal = 1 234.50 RUB \n",
            messageID: "<n-1@apikassa.ru>", date: MIMEFixture.date)
        let bytes = try MIMEWriter.render(message, boundaries: .seeded(1))
        #expect(String(decoding: bytes, as: UTF8.self) == """
            Date: Sun, 29 Nov 2026 09:15:00 +0300\r
            From: Romashka Shop <noreply@apikassa.ru>\r
            To: buyer@example.com\r
            Message-ID: <n-1@apikassa.ru>\r
            Subject: Order R-77812 paid\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Thank you!\r
            Total =3D 1 234.50 RUB=20\r

            """)
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.defects == [])
        #expect(parsed.tree.description == "text/plain")
        #expect(parsed.text == "Thank you!\nTotal = 1 234.50 RUB \n")
        #expect(parsed.html == nil)
        #expect(parsed.from == [.init(name: "Romashka Shop", address: "noreply@apikassa.ru")])
        #expect(parsed.to == [.init(name: "", address: "buyer@example.com")])
        #expect(parsed.replyTo == nil)
    }

    @Test func alternativeMessageHasExactDelimiters() throws {
        let message = EmailMessage(
            from: try EmailAddress("noreply@apikassa.ru"), to: [try EmailAddress("buyer@example.com")],
            subject: "Paid", text: "Paid.", html: "<p>Paid.</p>\n", messageID: "<n-2@apikassa.ru>", date: MIMEFixture.date)
        let text = String(decoding: try MIMEWriter.render(message, boundaries: .seeded(2)), as: UTF8.self)
        let body = try #require(text.components(separatedBy: "MIME-Version: 1.0\r\n").last)
        // The CRLF before each delimiter belongs to the delimiter: "Paid." has no line break of its own.
        #expect(body == """
            Content-Type: multipart/alternative;\r
             boundary="=_ak_aCrGrnYLNWrXpIV9e0UHNxn4"\r
            \r
            --=_ak_aCrGrnYLNWrXpIV9e0UHNxn4\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Paid.\r
            --=_ak_aCrGrnYLNWrXpIV9e0UHNxn4\r
            Content-Type: text/html; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            <p>Paid.</p>\r
            \r
            --=_ak_aCrGrnYLNWrXpIV9e0UHNxn4--\r

            """)
        let parsed = try #require(PythonEmailOracle.parse(Array(text.utf8)))
        #expect(parsed.text == "Paid.")
        #expect(parsed.html == "<p>Paid.</p>\n")
        #expect(parsed.from == [.init(name: "", address: "noreply@apikassa.ru")])
    }

    @Test func fullCyrillicMessageRoundTripsThroughPython() throws {
        var message = try MIMEFixture.message(html: MIMEFixture.html, inline: [MIMEFixture.logo()],
                                              attachments: [MIMEFixture.receipt()])
        message.listUnsubscribe = try ListUnsubscribe(url: "https://apikassa.ru/u/7Kq2Xw9p?e=1",
                                                      mailto: "mailto:u+7Kq2Xw9p@apikassa.ru?subject=unsubscribe")
        message.extraHeaders = [.init(name: "X-Apikassa-Notification", value: "n-4f1c9a"),
                                .init(name: "X-Partner", value: "ООО «Ромашка»")]
        let bytes = try MIMEWriter.render(message, boundaries: .seeded(42))
        let parsed = try #require(PythonEmailOracle.parse(bytes))

        #expect(parsed.defects == [])
        #expect(parsed.subject == "Заказ R-77812 оплачен")
        #expect(parsed.from == [.init(name: "ООО «Ромашка»", address: "noreply@apikassa.ru")])
        #expect(parsed.to == [.init(name: "Иван Петров", address: "buyer@example.com")])
        #expect(parsed.replyTo == [.init(name: "Поддержка Ромашки", address: "support@romashka.ru")])
        #expect(parsed.date == "2026-11-29T09:15:00+03:00")
        #expect(parsed.messageID == "<n-4f1c9a@apikassa.ru>")
        #expect(parsed.mimeVersion == "1.0")
        #expect(parsed.listUnsubscribe == "<https://apikassa.ru/u/7Kq2Xw9p?e=1>, <mailto:u+7Kq2Xw9p@apikassa.ru?subject=unsubscribe>")
        #expect(parsed.listUnsubscribePost == "List-Unsubscribe=One-Click")
        #expect(parsed.header("X-Apikassa-Notification") == "n-4f1c9a")
        #expect(parsed.header("X-Partner") == "ООО «Ромашка»")
        #expect(parsed.tree.description
            == "multipart/mixed{multipart/related{multipart/alternative{text/plain, text/html}, image/png}, application/pdf}")
        #expect(parsed.text == MIMEFixture.text)
        #expect(parsed.html == MIMEFixture.html)
        #expect(parsed.files == [
            .init(type: "image/png", disposition: "inline", filename: "logo.png", contentID: "<logo@apikassa.ru>",
                  size: MIMEFixture.png.count, sha256: MIMEFixture.pngSHA256),
            .init(type: "application/pdf", disposition: "attachment", filename: "Чек №77812.pdf", contentID: nil,
                  size: MIMEFixture.pdf.count, sha256: MIMEFixture.pdfSHA256),
        ])
    }

    @Test func headersAreWrittenInOrderAndEncoded() throws {
        var message = try MIMEFixture.message(html: MIMEFixture.html)
        message.listUnsubscribe = try ListUnsubscribe(url: "https://apikassa.ru/u/7Kq2Xw9p")
        let headers = mimeHeaders(try MIMEWriter.render(message, boundaries: .seeded(3)))
        #expect(headers.map(\.name) == ["Date", "From", "Reply-To", "To", "Message-ID", "Subject", "MIME-Version",
                                        "List-Unsubscribe", "List-Unsubscribe-Post", "Content-Type"])
        let value = Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(value["From"] == "=?UTF-8?B?0J7QntCeIMKr0KDQvtC80LDRiNC60LDCuw==?= <noreply@apikassa.ru>")
        #expect(value["Subject"] == "=?UTF-8?B?0JfQsNC60LDQtyBSLTc3ODEyINC+0L/Qu9Cw0YfQtdC9?=")
        #expect(value["List-Unsubscribe"] == "<https://apikassa.ru/u/7Kq2Xw9p>")
        #expect(value["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        #expect(value["Content-Type"]?.hasPrefix("multipart/alternative; boundary=\"=_ak_") == true)
    }

    struct StructureCase: Sendable, CustomTestStringConvertible {
        var html: Bool
        var inline: Bool
        var attachment: Bool
        var tree: String
        var testDescription: String { tree }
    }

    @Test(arguments: [
        StructureCase(html: false, inline: false, attachment: false, tree: "text/plain"),
        StructureCase(html: true, inline: false, attachment: false, tree: "multipart/alternative{text/plain, text/html}"),
        StructureCase(html: true, inline: true, attachment: false,
                      tree: "multipart/related{multipart/alternative{text/plain, text/html}, image/png}"),
        StructureCase(html: false, inline: false, attachment: true, tree: "multipart/mixed{text/plain, application/pdf}"),
        StructureCase(html: true, inline: false, attachment: true,
                      tree: "multipart/mixed{multipart/alternative{text/plain, text/html}, application/pdf}"),
    ])
    func structureFollowsContent(_ row: StructureCase) throws {
        let message = try MIMEFixture.message(html: row.html ? MIMEFixture.html : nil,
                                              inline: row.inline ? [MIMEFixture.logo()] : [],
                                              attachments: row.attachment ? [MIMEFixture.receipt()] : [])
        let bytes = try MIMEWriter.render(message, boundaries: .seeded(5))
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.defects == [])
        #expect(parsed.tree.description == row.tree)
        #expect(parsed.text == MIMEFixture.text)
        #expect(parsed.html == (row.html ? MIMEFixture.html : nil))
        #expect(parsed.files.count == (row.inline ? 1 : 0) + (row.attachment ? 1 : 0))
        if row.inline {
            let related = String(decoding: bytes, as: UTF8.self)
            #expect(related.contains("Content-Type: multipart/related; type=\"multipart/alternative\";"))
            #expect(related.contains("Content-Disposition: inline; filename=\"logo.png\"\r\nContent-ID: <logo@apikassa.ru>\r\n"))
        }
    }

    @Test func noLineIsLongerThan998OctetsAndBodiesStayWithin76() throws {
        let longHTML = "<p>" + String(repeating: "Оплата прошла успешно=ok ", count: 200).prefix(5_000) + "</p>"
        let longSubject = String(repeating: "Оплачено", count: 150)
        var message = try MIMEFixture.message(html: String(longHTML), inline: [MIMEFixture.logo()],
                                              attachments: [MIMEFixture.receipt(String(repeating: "Квитанция", count: 20) + ".pdf")],
                                              subject: longSubject, text: String(repeating: "x", count: 5_000))
        message.to.append(contentsOf: try (1...30).map { try EmailAddress("buyer\($0)@example.com", name: "Покупатель \($0)") })
        let bytes = try MIMEWriter.render(message, boundaries: .seeded(9))
        let lines = mimeLines(bytes)
        #expect(lines.allSatisfy { $0.count <= 998 })
        #expect(lines.allSatisfy { $0.count <= 76 }, "every line of this message can be kept within 76")
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.defects == [])
        #expect(parsed.subject == longSubject)
        #expect(parsed.html == String(longHTML))
        #expect(parsed.text == String(repeating: "x", count: 5_000))
        #expect(parsed.to?.count == 31)
        #expect(parsed.to?.last == .init(name: "Покупатель 30", address: "buyer30@example.com"))
        #expect(parsed.files.last?.filename == String(repeating: "Квитанция", count: 20) + ".pdf")
    }

    @Test func longUnbrokenSubjectBecomesShortEncodedWords() throws {
        let subject = String(repeating: "Заказоплаченспасибо", count: 20) + "👨‍👩‍👧‍👦" + String(repeating: "ё", count: 40)
        let bytes = try MIMEWriter.render(try MIMEFixture.message(subject: subject), boundaries: .seeded(1))
        let lines = mimeLines(bytes)
        let start = try #require(lines.firstIndex { $0.starts(with: Array("Subject:".utf8)) })
        var subjectLines = [lines[start]]
        for line in lines[(start + 1)...] {
            guard line.first == UInt8(ascii: " ") else { break }
            subjectLines.append(line)
        }
        #expect(subjectLines.count > 5)
        var decoded: [UInt8] = []
        for line in subjectLines {
            #expect(line.count <= 76, "RFC 2047 limits lines holding encoded words to 76 characters")
            let text = String(decoding: line, as: UTF8.self)
            let words = text.split(separator: " ").filter { $0.hasPrefix("=?") }
            #expect(words.count == 1)
            for word in words {
                #expect(word.count <= 75)
                #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
                let payload = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
                #expect(String(validating: Array(payload), as: UTF8.self) != nil, "each word is whole UTF-8 on its own")
                decoded += payload
            }
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.subject == subject)
        #expect(parsed.defects == [])
    }

    @Test func asciiDisplayNamesAreQuotedOnlyWhenNeeded() throws {
        let names = ["Romashka Shop", "Smith, John", "O'Brien \"The Shop\" \\ Ltd.", "user@host", "=?not encoded?="]
        let message = EmailMessage(
            from: try EmailAddress("noreply@apikassa.ru", name: "Romashka Shop"),
            to: try names.enumerated().map { try EmailAddress("r\($0.offset)@example.com", name: $0.element) },
            subject: "Hi", text: "Hi\n", messageID: "<n-2@apikassa.ru>", date: MIMEFixture.date)
        let bytes = try MIMEWriter.render(message, boundaries: .seeded(1))
        let to = try #require(mimeHeaders(bytes).first { $0.name == "To" }?.value)
        #expect(to.hasPrefix("Romashka Shop <r0@example.com>, \"Smith, John\" <r1@example.com>,"))
        #expect(to.contains("\"O'Brien \\\"The Shop\\\" \\\\ Ltd.\" <r2@example.com>"))
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.defects == [])
        #expect(parsed.to?.map(\.name) == names)
    }

    @Test func lineBreaksAreNormalisedToCRLF() throws {
        let text = "one\rtwo\nthree\r\nfour\n\r\n.\nlast"
        let bytes = try MIMEWriter.render(try MIMEFixture.message(html: "<p>a</p>\n<p>b</p>", text: text), boundaries: .seeded(1))
        _ = mimeLines(bytes)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\r\none\r\ntwo\r\nthree\r\nfour\r\n\r\n.\r\nlast\r\n--=_ak_"))
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.text == "one\ntwo\nthree\nfour\n\n.\nlast")
        #expect(parsed.html == "<p>a</p>\n<p>b</p>")
    }

    @Test func boundariesAreDeterministicUniqueAndAbsentFromContent() throws {
        let message = try MIMEFixture.message(html: MIMEFixture.html, inline: [MIMEFixture.logo()], attachments: [MIMEFixture.receipt()])
        let first = try MIMEWriter.render(message, boundaries: .seeded(7))
        #expect(try MIMEWriter.render(message, boundaries: .seeded(7)) == first)
        #expect(try MIMEWriter.render(message, boundaries: .seeded(8)) != first)
        #expect(try MIMEWriter.render(message) != MIMEWriter.render(message))

        let text = String(decoding: first, as: UTF8.self)
        let boundaries = text.split(separator: "boundary=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(boundaries.count == 3)
        #expect(Set(boundaries).count == 3)
        for boundary in boundaries {
            #expect(boundary.count == 29 && boundary.hasPrefix("=_ak_"))
            let delimiters = text.components(separatedBy: "\r\n--\(boundary)").count - 1
            #expect(delimiters >= 2, "one delimiter per part plus the closing one")
            #expect(text.components(separatedBy: boundary).count - 1 == delimiters + 1, "only in delimiters and its Content-Type")
        }
    }

    @Test func boundaryFoundInContentIsNotUsed() throws {
        var generator = MIMEBoundaries.seeded(11).makeGenerator()
        let firstCandidate = generator.next()
        let trap = try EmailAttachment(filename: firstCandidate, contentType: "application/pdf", data: MIMEFixture.pdf)
        let bytes = try MIMEWriter.render(try MIMEFixture.message(attachments: [trap]), boundaries: .seeded(11))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("filename=\"\(firstCandidate)\""))
        #expect(!text.contains("boundary=\"\(firstCandidate)\""))
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.defects == [])
        #expect(parsed.files.map(\.filename) == [firstCandidate])
    }

    @Test func listUnsubscribeIsOneUnfoldedLine() throws {
        var message = try MIMEFixture.message()
        let url = "https://apikassa.ru/unsubscribe/" + String(repeating: "a1B2c3", count: 30)
        message.listUnsubscribe = try ListUnsubscribe(url: url, mailto: "mailto:unsubscribe@apikassa.ru")
        let bytes = try MIMEWriter.render(message, boundaries: .seeded(1))
        let lines = mimeLines(bytes).map { String(decoding: $0, as: UTF8.self) }
        let index = try #require(lines.firstIndex { $0.hasPrefix("List-Unsubscribe:") })
        #expect(lines[index] == "List-Unsubscribe: <\(url)>, <mailto:unsubscribe@apikassa.ru>")
        #expect(!lines[index + 1].hasPrefix(" "))
        #expect(lines[index + 1] == "List-Unsubscribe-Post: List-Unsubscribe=One-Click")

        message.listUnsubscribe = try ListUnsubscribe(url: nil, mailto: "mailto:unsubscribe@apikassa.ru", oneClick: false)
        let plain = String(decoding: try MIMEWriter.render(message, boundaries: .seeded(1)), as: UTF8.self)
        #expect(plain.contains("List-Unsubscribe: <mailto:unsubscribe@apikassa.ru>\r\n"))
        #expect(!plain.contains("List-Unsubscribe-Post"))
    }

    @Test func longNonASCIIFilenameUsesRFC2231Continuations() throws {
        let filename = "Кассовый чек по заказу R-77812 от 29 ноября 2026 года (копия для покупателя).pdf"
        let bytes = try MIMEWriter.render(try MIMEFixture.message(attachments: [MIMEFixture.receipt(filename)]), boundaries: .seeded(1))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Content-Disposition: attachment;\r\n filename*0*=utf-8''%D0%9A"))
        #expect(text.contains(" filename*1*="))
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.defects == [])
        #expect(parsed.files.map(\.filename) == [filename])
    }

    @Test func shortNonASCIIFilenameUsesOneRFC2231Parameter() throws {
        let bytes = try MIMEWriter.render(try MIMEFixture.message(attachments: [MIMEFixture.receipt("Чек №1.pdf")]),
                                          boundaries: .seeded(1))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Content-Disposition: attachment;\r\n filename*=utf-8''%D0%A7%D0%B5%D0%BA%20%E2%84%961.pdf\r\n"))
        #expect(text.contains("Content-Type: application/pdf;\r\n name*=utf-8''%D0%A7%D0%B5%D0%BA%20%E2%84%961.pdf\r\n"))
        #expect(PythonEmailOracle.parse(bytes)?.files.map(\.filename) == ["Чек №1.pdf"])
    }

    @Test func extraHeadersAreEncodedAndFolded() throws {
        var message = try MIMEFixture.message()
        let long = String(repeating: "tag ", count: 40) + "end"
        let token = String(repeating: "t", count: 1_000)
        message.extraHeaders = [.init(name: "X-Tags", value: long), .init(name: "X-Partner-Name", value: "Ромашка"),
                                .init(name: "X-Token", value: token)]
        let bytes = try MIMEWriter.render(message, boundaries: .seeded(1))
        let headers = mimeHeaders(bytes)
        #expect(headers.first { $0.name == "X-Tags" }?.value == long, "folding only replaces spaces")
        #expect(headers.first { $0.name == "X-Partner-Name" }?.value == "=?UTF-8?B?0KDQvtC80LDRiNC60LA=?=")
        let parsed = try #require(PythonEmailOracle.parse(bytes))
        #expect(parsed.header("X-Tags") == long)
        #expect(parsed.header("X-Partner-Name") == "Ромашка")
        #expect(parsed.header("X-Token") == token, "a word too long for one line is written as encoded words")
        #expect(mimeLines(bytes).allSatisfy { $0.count <= 76 })
    }
}
