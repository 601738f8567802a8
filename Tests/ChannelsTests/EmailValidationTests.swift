import Foundation
import Testing
import TestPeers
@testable import Channels

@Suite struct EmailValidationTests {
    @Test(arguments: ["buyer@example.com", "Ivan.Petrov+receipts@mail.example.ru", "a@b", "o'brien@example.com",
                      "UPPER@Example.COM", "x@xn--80aswg.xn--p1ai"])
    func validAddressIsKeptAsGiven(_ address: String) throws {
        #expect(try EmailAddress(address).address == address)
    }

    @Test(arguments: [
        ("buyer.example.com", "has no '@'"),
        ("@example.com", "before '@' is empty"),
        ("buyer@", "after '@' is empty"),
        ("bu yer@example.com", "contains a space"),
        ("покупатель@example.com", "must be ASCII"),
        ("a\"b@example.com", "needs quoting"),
        ("a@b@example.com", "needs quoting"),
        (".buyer@example.com", "leading, trailing or doubled '.'"),
        ("bu..yer@example.com", "leading, trailing or doubled '.'"),
        ("buyer@example..com", "empty label"),
        ("buyer@-example.com", "inner hyphens"),
        ("buyer@exa_mple.com", "inner hyphens"),
        ("buyer@[127.0.0.1]", "inner hyphens"),
    ])
    func invalidAddressIsRefused(_ address: String, _ reason: String) {
        let error = #expect(throws: EmailError.self) { try EmailAddress(address) }
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
        #expect(error?.field == "address")
    }

    /// The one-pass check accepts exactly what the rules accept: random strings over the bytes
    /// that matter (dots, hyphens, '@', atext, quoting, non-ASCII) near every length limit.
    @Test func onePassCheckAgreesWithTheRules() {
        var random = SplitMix64(state: 0x5EED)
        let pieces = ["a", "Z", "0", ".", "-", "@", "_", "+", "'", "\"", " ", "я", "..", "--", "x.y", "@b"]
        var accepted = 0
        for _ in 0..<20_000 {
            var address = ""
            for _ in 0..<random.below(12) { address += pieces[random.below(pieces.count)] }
            if random.next() % 8 == 0 { address = String(repeating: "l", count: 60 + random.below(8)) + address }
            if random.next() % 8 == 0 { address += "@" + String(repeating: "d", count: 60 + random.below(8)) }
            let byRule = (try? EmailAddress.checkByRule(address, field: "address")) != nil
            let onePass = address.utf8.withContiguousStorageIfAvailable(EmailAddress.isPlainlyValid)
            #expect(onePass == byRule, "\(address)")
            if byRule { accepted += 1 }
        }
        #expect(accepted > 200)
    }

    @Test func nonASCIIDomainAsksForPunycode() {
        let error = #expect(throws: EmailError.self) { try EmailAddress("info@пример.рф") }
        #expect(error?.description == "the address has the non-ASCII domain 'пример.рф'; give it in punycode (xn--…) form")
    }

    @Test(arguments: ["buyer@example.com\r\nBcc: victim@example.com", "buyer@example.com\n", "buyer\0@example.com"])
    func lineBreakInAddressIsRefused(_ address: String) {
        let error = #expect(throws: EmailError.self) { try EmailAddress(address) }
        #expect(error?.field == "address")
        #expect(error?.description.contains("line break") == true)
    }

    @Test(arguments: ["ООО «Ромашка»\r\nBcc: victim@example.com", "Shop\n", "Shop\r", "Shop\u{2028}", "Sh\0op"])
    func lineBreakInDisplayNameIsRefused(_ name: String) {
        let error = #expect(throws: EmailError.self) { try EmailAddress("noreply@apikassa.ru", name: name) }
        #expect(error?.field == "display name")
        #expect(error?.description.hasPrefix("the display name contains a line break") == true)
    }

    @Test(arguments: ["Заказ оплачен\r\nBcc: victim@example.com", "Заказ\nоплачен", "Заказ\rоплачен"])
    func lineBreakInSubjectIsRefused(_ subject: String) throws {
        let message = try MIMEFixture.message(subject: subject)
        let error = #expect(throws: EmailError.self) { try MIMEWriter.render(message) }
        #expect(error?.field == "Subject header")
        #expect(error?.description == "the Subject header contains a line break (CR or LF) or NUL, which could inject headers")
    }

    @Test func controlCharacterInSubjectIsRefused() throws {
        let error = #expect(throws: EmailError.self) { try MIMEWriter.render(try MIMEFixture.message(subject: "a\u{1B}[31m")) }
        #expect(error?.description == "the Subject header contains a control character")
    }

    @Test func extraHeadersAreChecked() throws {
        func render(_ header: EmailMessage.ExtraHeader) throws -> EmailError? {
            var message = try MIMEFixture.message()
            message.extraHeaders = [header]
            return #expect(throws: EmailError.self) { try MIMEWriter.render(message) }
        }
        #expect(try render(.init(name: "X-Ref", value: "a\r\nBcc: victim@example.com"))?.field == "X-Ref header")
        #expect(try render(.init(name: "X Ref", value: "a"))?.description
            == "the extra header name 'X Ref' is not a valid field name (printable ASCII without ':' or spaces)")
        #expect(try render(.init(name: "X-Ref:", value: "a"))?.field == "X-Ref:")
        #expect(try render(.init(name: "X-Ref\r\nBcc", value: "a"))?.field == "X-Ref\r\nBcc")
        #expect(try render(.init(name: "", value: "a")) != nil)
        for reserved in ["Subject", "bcc", "CONTENT-TYPE", "Content-Transfer-Encoding", "List-Unsubscribe"] {
            #expect(try render(.init(name: reserved, value: "a"))?.description
                == "the extra header '\(reserved)' is set by the MIME writer itself and cannot be given")
        }
    }

    @Test(arguments: [
        ("<n-1@apikassa.ru>\r\nBcc: victim@example.com", "line break"),
        ("n-1@apikassa.ru", "enclosed in angle brackets"),
        ("<n-1apikassa.ru>", "exactly one '@'"),
        ("<n 1@apikassa.ru>", "each side of '@'"),
        ("<@apikassa.ru>", "each side of '@'"),
    ])
    func invalidMessageIDIsRefused(_ messageID: String, _ reason: String) throws {
        var message = try MIMEFixture.message()
        message.messageID = messageID
        let error = #expect(throws: EmailError.self) { try MIMEWriter.render(message) }
        #expect(error?.field.hasPrefix("Message-ID") == true)
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
    }

    @Test func messageIDIsMadeFromItsParts() throws {
        #expect(try EmailMessage.messageID("n-4f1c9a", domain: "apikassa.ru") == "<n-4f1c9a@apikassa.ru>")
        #expect(throws: EmailError.self) { try EmailMessage.messageID("n-1>\r\nBcc: x", domain: "apikassa.ru") }
    }

    @Test func attachmentValuesAreChecked() {
        let pdf = MIMEFixture.pdf
        #expect(#expect(throws: EmailError.self) {
            try EmailAttachment(filename: "a.pdf\r\nContent-Type: text/html", contentType: "application/pdf", data: pdf)
        }?.field == "attachment filename")
        #expect(#expect(throws: EmailError.self) {
            try EmailAttachment(filename: "a.pdf", contentType: "application/pdf\r\nX: y", data: pdf)
        }?.field == "content type of attachment 'a.pdf'")
        #expect(#expect(throws: EmailError.self) {
            try EmailAttachment(filename: "a.pdf", contentType: "application/pdf; name=x", data: pdf)
        }?.description == "the content type of attachment 'a.pdf' 'application/pdf; name=x' is not a 'type/subtype' media type")
        #expect(#expect(throws: EmailError.self) {
            try EmailAttachment(filename: "logo.png", contentType: "image/png", data: pdf, contentID: "<logo@apikassa.ru>")
        }?.field == "Content-ID of attachment 'logo.png'")
        #expect(#expect(throws: EmailError.self) {
            try EmailAttachment(filename: "logo.png", contentType: "image/png", data: pdf, contentID: "logo\r\n@x")
        }?.description.contains("line break") == true)
        #expect(throws: EmailError.self) { try EmailAttachment(filename: "", contentType: "image/png", data: pdf) }
        #expect(throws: EmailError.self) { try EmailAttachment(filename: "../etc/passwd", contentType: "text/plain", data: pdf) }
    }

    @Test func inlinePartsNeedHTMLAndDistinctContentIDs() throws {
        let noHTML = try MIMEFixture.message(inline: [MIMEFixture.logo()])
        #expect(#expect(throws: EmailError.self) { try MIMEWriter.render(noHTML) }?.description
            == "the message has inline images but no HTML part to reference them")
        let twice = try MIMEFixture.message(html: MIMEFixture.html, inline: [MIMEFixture.logo(), MIMEFixture.logo()])
        #expect(#expect(throws: EmailError.self) { try MIMEWriter.render(twice) }?.description
            == "the Content-ID 'logo@apikassa.ru' is used by more than one inline part")
        let anonymous = try MIMEFixture.message(html: MIMEFixture.html, inline: [MIMEFixture.receipt("a.pdf")])
        #expect(#expect(throws: EmailError.self) { try MIMEWriter.render(anonymous) }?.description
            == "the inline part 1 ('a.pdf') has no Content-ID, so the HTML cannot reference it")
    }

    @Test func messageNeedsARecipient() throws {
        var message = try MIMEFixture.message()
        message.to = []
        #expect(#expect(throws: EmailError.self) { try MIMEWriter.render(message) }?.description
            == "the message has no recipient in To")
    }

    @Test func listUnsubscribeValuesAreChecked() {
        #expect(throws: EmailError.self) { try ListUnsubscribe(url: "http://apikassa.ru/u/1") }
        #expect(throws: EmailError.self) { try ListUnsubscribe(url: nil, mailto: "mailto:u@apikassa.ru") }
        #expect(throws: EmailError.self) { try ListUnsubscribe(url: nil, mailto: nil, oneClick: false) }
        #expect(throws: EmailError.self) { try ListUnsubscribe(url: "https://apikassa.ru/u/1>, <https://evil.example") }
        #expect(throws: EmailError.self) { try ListUnsubscribe(url: "https://apikassa.ru/u/1\r\nBcc: x@y") }
        #expect(throws: EmailError.self) { try ListUnsubscribe(url: "https://apikassa.ru/u/1", mailto: "u@apikassa.ru") }
        #expect(throws: Never.self) { try ListUnsubscribe(url: nil, mailto: "mailto:u@apikassa.ru", oneClick: false) }
        #expect(throws: Never.self) { try ListUnsubscribe(url: "HTTPS://apikassa.ru/u/1?a=b%2Cc") }
    }

    @Test func errorDescriptionsNeverEchoALineBreak() {
        let error = #expect(throws: EmailError.self) { try EmailAddress("a\r\nb") }
        #expect(error?.description.contains("\r") == false)
        let long = #expect(throws: EmailError.self) { try EmailAddress(String(repeating: "x", count: 200)) }
        #expect(long?.description.contains("…") == true)
    }
}

