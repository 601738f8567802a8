import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

@Suite struct LinkHostsTests {
    @Test(arguments: [
        ("kadastr-online.ru", "kadastr-online.ru"),
        (" Kadastr-Online.RU ", "kadastr-online.ru"),
        ("cdn.kadastr-online.ru", "cdn.kadastr-online.ru"),
        ("localhost", nil),
        ("kadastr_online.ru", nil),
        ("-kadastr.ru", nil),
        ("kadastr-.ru", nil),
        ("kadastr..ru", nil),
        ("kadastr.ru.", nil),
        ("kadastr.ru:443", nil),
        ("https://kadastr.ru", nil),
        ("кадастр.рф", nil),
        ("", nil),
    ] as [(String, String?)])
    func hostsAreNormalized(text: String, host: String?) {
        #expect(LinkHosts.normalize(text) == host)
    }

    @Test func aHostCoversItsSubdomainsOnly() {
        let hosts = LinkHosts(hosts: ["kadastr-online.ru"])
        let cases: [(String, Bool)] = [
            ("kadastr-online.ru", true), ("KADASTR-online.ru", true), ("cdn.kadastr-online.ru", true), ("a.b.kadastr-online.ru", true),
            ("evilkadastr-online.ru", false), ("kadastr-online.ru.evil.ru", false), ("online.ru", false),
        ]
        for (host, allowed) in cases {
            #expect(hosts.allows(host) == allowed, "\(host)")
        }
    }

    /// The quick reading of plain links answers as URLComponents does, or leaves the link to it.
    @Test func plainLinksAreReadAsURLComponentsReadsThem() {
        let crafted = ["https://a.ru", "HTTPS://A.ru/x?y=1#z", "http://a.ru:8080/p", "https://a.ru:80@evil.ru/", "https://user@a.ru",
                       "https://a.ru/x#y#z", "https://[::1]/", "https://a.ru/%41", "https://a.ru/ x", "https://a.ru/é", "https:/a.ru",
                       "httpx://a.ru", "https://", "https://a.ru:", "https://a.ru:123456", "https://a.ru\\x", "https://a.ru?q=[1]"]
        let schemes = ["https://", "http://", "HTTP://", "https:/", "ftp://", ""]
        let parts = ["a", "ru", "a.ru", ".", "-", ":", "8", "/", "?", "#", "@", "%", "=", "&", " ", "[", "]", "'", "~", "_", "é", "\\",
                     "|", "\"", "<"]
        var generator = SystemRandomNumberGenerator()
        let random = (0..<20_000).map { _ in
            schemes.randomElement(using: &generator)! + "a"
                + (0..<Int.random(in: 0...6, using: &generator)).map { _ in parts.randomElement(using: &generator)! }.joined()
        }
        var read = 0
        for link in crafted + random {
            guard let host = LinkHosts.plainHost(of: link) else { continue }
            read += 1
            let url = URLComponents(string: link)
            #expect(url?.host == host, "\(link)")
            #expect(["http", "https"].contains(url?.scheme?.lowercased()), "\(link)")
            #expect(url?.user == nil && url?.password == nil, "\(link)")
        }
        #expect(read > 1_000)
        #expect(LinkHosts.plainHost(of: "https://a.ru:80@evil.ru/") == nil)
    }

    @Test func linksInsideTextAreFound() {
        let cases: [(String, [String])] = [
            ("Заказ оплачен", []),
            ("см. https://a.ru/x.", ["https://a.ru/x"]),
            ("(https://a.ru/x?y=1), http://b.ru!", ["https://a.ru/x?y=1", "http://b.ru"]),
            ("подробнее:https://a.ru/«x»", ["https://a.ru/«x"]),
            ("<a href=\"https://a.ru\">", ["https://a.ru"]),
            ("ftp://a.ru/f", ["ftp://a.ru/f"]),
            ("время 10:30, ://", []),
        ]
        for (text, links) in cases {
            #expect(LinkHosts.embeddedLinks(in: text) == links, "\(text)")
        }
    }

    @Test func whatLooksLikeALink() {
        let cases: [(String, Bool)] = [
            ("https://a.ru", true), ("  HTTP://a.ru", true), ("\tftp://a.ru", true), ("www.a.ru", true), ("WWW.a.ru/x", true),
            ("javascript:alert(1)", true), ("JavaScript:alert(1)", true), ("data:text/html,x", true), ("\u{A0}https://a.ru", true),
            ("Заказ оплачен", false), ("10:30", false), ("mailto:a@b.ru", false), ("wwwa.ru", false), ("\nhttps://a.ru", false),
            ("a very long scheme name://x", false), ("", false), ("www", false),
        ]
        for (text, expected) in cases {
            #expect(LinkHosts.looksLikeLink(text) == expected, "\(text)")
        }
    }
}
