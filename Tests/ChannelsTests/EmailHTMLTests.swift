import Testing
import TestPeers
@testable import Channels

@Suite struct EmailHTMLTests {
    private func codes(_ html: String) -> [String] { EmailHTML.findings(in: html).map { "\($0.line) \($0.code)" } }

    @Test func cleanEmailHasNoFindings() {
        let html = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>t</title></head>
            <body><table><tr><td><a href="https://example.ru/x?a=1&amp;b=2">чек</a>
            <img src="https://cdn.example.ru/logo.png" alt="logo"> <a href="mailto:help@example.ru">почта</a>
            <img src="cid:logo" alt=""></td></tr></table></body></html>
            """
        #expect(EmailHTML.findings(in: html) == [])
    }

    @Test func forbiddenElementsAndHandlers() {
        #expect(codes("<p>a</p>\n<script>alert(1)</script>") == ["2 forbidden-element"])
        #expect(codes("<iframe src=\"https://x.ru\"></iframe><form></form><object></object><embed>").map { String($0.dropFirst(2)) }
                == ["forbidden-element", "forbidden-element", "forbidden-element", "forbidden-element"])
        #expect(codes("<p>\n<a href=\"https://x.ru\" onclick=\"x()\">a</a></p>") == ["2 event-handler"])
        #expect(codes("<img src=\"https://x.ru/a.png\" ONERROR=\"x()\">") == ["1 event-handler"])
    }

    @Test func unsafeURLs() {
        #expect(codes("<a href=\"javascript:alert(1)\">x</a>") == ["1 javascript-url"])
        #expect(codes("<a href=\" jav\tascript:alert(1)\">x</a>") == ["1 javascript-url"])
        #expect(codes("<a href=\"JAVASCRIPT:x\">x</a>") == ["1 javascript-url"])
        #expect(codes("<a href=\"http://x.ru\">x</a>") == ["1 insecure-url"])
        #expect(codes("<img src=\"http://x.ru/a.png\">") == ["1 insecure-url"])
        #expect(codes("<a href=\"ftp://x.ru\">x</a>") == ["1 insecure-url"])
        #expect(codes("<a href=\"/orders/1\">x</a>") == ["1 relative-url"])
        #expect(codes("<a href=\"{{ order.url }}\">x</a>") == [])
    }

    @Test func malformedMarkupHasAPosition() throws {
        let findings = EmailHTML.findings(in: "<p>ok</p>\n<p><b>bold</i></p>")
        let problem = try #require(findings.first { $0.code == "malformed-html" })
        #expect(problem.line == 2)
        #expect(problem.severity == .warning)
    }

    @Test func plainTextFromHTML() {
        let html = """
            <html><head><title>Чек</title><style>p{color:red}</style></head><body>
            <h1>Заказ оплачен</h1><p>Здравствуйте,   Анна!<br>Спасибо &amp; до&nbsp;встречи.</p>
            <table><tr><td>Итого</td><td>450,00 ₽</td></tr></table>
            <p><a href="https://x.ru/r/1">Открыть чек</a> · <a href="mailto:help@x.ru">help@x.ru</a></p>
            <ul><li>один</li><li>два</li></ul><img src="cid:logo" alt="Ромашка"></body></html>
            """
        #expect(EmailHTML.plainText(fromHTML: html) == """
            Заказ оплачен

            Здравствуйте, Анна!
            Спасибо & до встречи.

            Итого 450,00 ₽

            Открыть чек (https://x.ru/r/1) · help@x.ru

            • один
            • два
            Ромашка
            """)
    }

    /// Markup that a stack of open elements would read otherwise than libxml2 gets no quick answer.
    @Test func markupThatIsNotPlainIsLeftToLibxml2() {
        let line = "Услуга оказана"
        for document in [
            "<html><body hidden><p>x</p></body></html><p>\(line)</p>", "<body><p>a</p></body><body hidden><p>\(line)</p>",
            "<html><head><title>t</title><p>\(line)</p>", "<style>a</b><p>\(line)</p></style>", "<p style=\"display&#58;none\">\(line)</p>",
            "<div style=\"display:none\"/><p>\(line)</p>", "<p>\(line)&nbsp;</p>", "<div><p>\(line)</div>", "<meta charset=utf-8><td>\(line)", "<body><p>\(line)</p></body><body hidden>", "<title><p>\(line)</p></title>",
            "<!-- <p>\(line)</p>", "<a href=/x/><p>\(line)</p>",
        ] {
            #expect(PlainMarkup.shows(Array(line.utf8), in: Array(document.utf8)) == nil, "\(document)")
        }
        #expect(PlainMarkup.shows(Array(line.utf8), in: Array("<!DOCTYPE html><html><head><title>t</title><style>p{}</style></head><body><table><tr><td><p style=\"color:#999\">\(line)</p></td></tr></table></body></html>".utf8)) == true)
        #expect(PlainMarkup.shows(Array(line.utf8), in: Array("<body><div style=\"display:none\"><p>\(line)</p></div></body>".utf8)) == nil)
        #expect(PlainMarkup.shows(Array(line.utf8), in: Array("<div><p>\(line)</p></div>".utf8)) == true)
        // A doctype after the start is libxml2's to read (it keeps the span open here).
        let lateDoctype = "--><img hidden><span hidden>\(line)<!DOCTYPE html></span>\(line)"
        #expect(PlainMarkup.shows(Array(line.utf8), in: Array(lateDoctype.utf8)) == nil)
        #expect(!EmailHTML.shows(line, inHTML: lateDoctype))
        #expect(PlainMarkup.shows(Array(line.utf8), in: Array(" <!-- x --> <!doctype html><p>\(line)</p>".utf8)) == true)
    }

    @Test func whatAReaderCanSee() {
        let line = "Услуга оказана с использованием сервиса"
        #expect(EmailHTML.shows(line, inHTML: "<p>Чек</p><p style=\"color:#999\">\(line)</p>"))
        #expect(EmailHTML.shows(line, inHTML: "<div><img src=\"cid:logo\"><br>Текст. \(line). Конец</div>"))
        #expect(EmailHTML.shows(line, inHTML: "<div hidden>скрыто</div><p>\(line)</p>"), "a hidden element closed before it")
        for hiding in [
            "<!-- <p>\(line)</p>", "<div style=\"Display : NONE\"><p>\(line)</p>", "<span style=\"opacity:0\"><p>\(line)</p>",
            "<div hidden><p>\(line)</p></div>", "<style><p>\(line)</p>", "<head><title>\(line)</title></head>", "<p>Услуга оказана</p>",
        ] {
            #expect(!EmailHTML.shows(line, inHTML: hiding), "\(hiding)")
        }
    }

    /// The check as it was written first, over every event of the parsed document: the C search
    /// over the ancestors of the text that holds the needle must agree with it.
    private func showsByWalking(_ needle: String, inHTML html: String) -> Bool {
        let wanted = Array(needle.utf8)
        var hiddenDepth = 0
        for event in scanHTML(html) {
            switch event {
            case .start(let name, let attributes, _):
                if EmailHTML.voidElements.contains(name) { continue }
                if hiddenDepth > 0 || EmailHTML.hiddenElements.contains(name) || EmailHTML.hides(attributes) { hiddenDepth += 1 }
            case .end(let name):
                if hiddenDepth > 0, !EmailHTML.voidElements.contains(name) { hiddenDepth -= 1 }
            case .text(let text):
                if hiddenDepth == 0, text.utf8.count >= wanted.count,
                   (0...(text.utf8.count - wanted.count)).contains(where: { Array(text.utf8).dropFirst($0).starts(with: wanted) }) { return true }
            case .problem:
                continue
            }
        }
        return false
    }

    @Test func theAncestorSearchAgreesWithTheWalk() {
        let line = "Услуга оказана"
        let pieces = ["<div>", "</div>", "<p style=\"display:none\">", "</p>", "<span hidden>", "</span>", "<!--", "-->", "<style>",
                      "</style>", "<table><tr><td>", "</td></tr></table>", "<br>", "<img src=x>", line, "текст", "<b>", "</b>",
                      "<title>", "</title>", "<td style=\"font-size:0\">", "<![CDATA[", "]]>", "<template>", "</template>", "<head>", "</head>",
                      "<body>", "</body>", "<html>", "&amp;", "<p>", "</html>", "<body hidden>", "<p/>", "<div/>", "<br/>", "</br>",
                      "<title><p>", "<style>a</b>", "<!DOCTYPE html>", "<!x>", "<P STYLE='DISPLAY:NONE'>", "</P>", "<a href=/x/>",
                      "<o:p>", "</o:p>", "<p style=\"display&#58;none\">", "<li>", "</li>", "<ul>", "</ul>", "<script>x</script>",
                      "<div style=visibility:hidden>", "<span style=\"color:red\" style=\"display:none\">", " ", "\n", "<", "<3", "<td>",
                      "<table style=\"display:none\">", "</table>", "</td>", "<tr>", "</tr>", "<head><title>t</title></head>", "<meta charset=utf-8>",
                      "<wbr hidden>", "<source hidden>", "<img hidden>", "<br style=\"display:none\">", "<embed hidden>", "</wbr>", "</source>"]
        // Every document of up to four pieces around the line, and a sample of longer ones.
        var generator = SystemRandomNumberGenerator()
        var documents: [String] = []
        for a in pieces { for b in pieces { documents.append(a + b + line); documents.append(a + line + b) } }
        for _ in 0..<12_000 { documents.append((0..<Int.random(in: 1...9, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined() + line) }
        var plainlyShown = 0
        for document in documents {
            let walked = showsByWalking(line, inHTML: document)
            #expect(EmailHTML.shows(line, inHTML: document) == walked, "\(document)")
            // The quick answer for plain markup is only ever "shown", and only when libxml2 agrees.
            if PlainMarkup.shows(Array(line.utf8), in: Array(document.utf8)) == true {
                #expect(walked, "\(document)")
                plainlyShown += 1
            }
        }
        #expect(plainlyShown > 1_000)
    }

    /// `styleHides` searches only a style whose colons could belong to a hiding declaration; over
    /// random styles it answers as the search of every style does.
    @Test func theQuickLookAtAStyleAnswersAsTheSearch() {
        let names = ["display", "DISPLAY", "visibility", "opacity", "font-size", "max-height", "height", "line-height", "color", "background-color",
                     "mso-hide", "width", "margin", "font-family", "padding", "dis play", "border"]
        let values = ["none", "None", "hidden", "0", "0px", "0;", "transparent", "all", "Arial", "14px", "block", "#333", "1", "100%", "0 0 12px 0"]
        let spaces = ["", " ", "\t", "\n", "  "]
        var random = SplitMix64(state: 0x5E1E)
        func pick(_ list: [String]) -> String { list[Int(random.next() % UInt64(list.count))] }
        var scratch: [UInt8] = []
        var hidden = 0
        for _ in 0..<50_000 {
            var style = ""
            for k in 0..<Int(random.next() % 4) {
                if k > 0 { style += ";" + pick(spaces) }
                style += pick(names) + pick(spaces) + ":" + pick(spaces) + pick(values)
            }
            if random.next() % 3 == 0 { style += ";" }
            let bytes = Array(style.utf8)
            let (quick, searched) = bytes.withUnsafeBufferPointer { (EmailHTML.styleHides($0, scratch: &scratch), EmailHTML.styleHidesBySearch($0, scratch: &scratch)) }
            #expect(quick == searched, "\(style)")
            if searched { hidden += 1 }
        }
        #expect(hidden > 5_000)
    }
}
