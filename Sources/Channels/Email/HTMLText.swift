extension EmailHTML {
    /// The plain-text alternative of an HTML e-mail: paragraphs and rows on their own lines, links
    /// as `text (url)`, images as their alt text, nothing from `<head>`, `<style>` or `<script>`.
    public static func plainText(fromHTML html: String) -> String {
        text(fromHTML: html, skippingHidden: false)
    }

    /// The text a reader can see: like `plainText`, but without elements hidden by the `hidden`
    /// attribute or an inline style (`display:none`, `visibility:hidden`, zero size or opacity…).
    public static func visibleText(fromHTML html: String) -> String {
        text(fromHTML: html, skippingHidden: true)
    }

    /// Whether an element's attributes hide it from the reader.
    static func hides(_ attributes: [(name: String, value: String)]) -> Bool {
        for (name, value) in attributes {
            let lower = name.lowercased()
            if lower == "hidden" { return true }
            guard lower == "style" else { continue }
            let style = value.lowercased().filter { !$0.isWhitespace }
            let hiding = ["display:none", "visibility:hidden", "opacity:0;", "font-size:0", "max-height:0", "height:0;",
                          "color:transparent", "mso-hide:all", "width:0;", "line-height:0"]
            if hiding.contains(where: { style.contains($0) }) || style.hasSuffix("opacity:0") || style.hasSuffix("height:0")
                || style.hasSuffix("width:0") {
                return true
            }
        }
        return false
    }

    private static func text(fromHTML html: String, skippingHidden: Bool) -> String {
        let blocks: Set<String> = ["p", "div", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
                                   "blockquote", "section", "article", "header", "footer", "hr"]
        let hidden: Set<String> = ["head", "style", "script", "title", "template"]
        let voidElements: Set<String> = ["br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source"]
        var out = ""
        var hiddenDepth = 0
        var links: [String?] = []
        var linkText = ""
        func newline(_ count: Int = 1) {
            while out.hasSuffix(" ") { out.removeLast() }
            let have = out.reversed().prefix { $0 == "\n" }.count
            if !out.isEmpty, have < count { out += String(repeating: "\n", count: count - have) }
        }
        func append(_ text: String) {
            var collapsed = ""
            for ch in text {
                if ch.isWhitespace {
                    if !(collapsed.last?.isWhitespace ?? (out.isEmpty || out.hasSuffix(" ") || out.hasSuffix("\n"))) { collapsed.append(" ") }
                } else {
                    collapsed.append(ch)
                }
            }
            out += collapsed
            if !links.isEmpty { linkText += collapsed }
        }
        for event in scanHTML(html) {
            switch event {
            case .start(let name, let attributes, _):
                if hidden.contains(name) || (hiddenDepth > 0 && !voidElements.contains(name))
                    || (skippingHidden && hides(attributes) && !voidElements.contains(name)) {
                    hiddenDepth += 1
                    continue
                }
                guard hiddenDepth == 0 else { continue }
                if name == "br" { newline() }
                if name == "li" { newline(); out += "• " }
                if name == "td" || name == "th", !out.hasSuffix("\n"), !out.isEmpty { out += " " }
                if blocks.contains(name), name != "li" { newline(name == "p" || name.hasPrefix("h") ? 2 : 1) }
                if name == "img", let alt = attributes.first(where: { $0.name == "alt" })?.value, !alt.isEmpty { append(alt) }
                if name == "a" {
                    links.append(attributes.first { $0.name == "href" }?.value)
                    linkText = ""
                }
            case .end(let name):
                if hiddenDepth > 0 {
                    if !voidElements.contains(name) { hiddenDepth -= 1 }
                    continue
                }
                if name == "a", let href = links.popLast() {
                    let target = href.map { $0.hasPrefix("mailto:") ? String($0.dropFirst(7)) : $0 }
                    if let target, !target.isEmpty, !target.hasPrefix("#"), linkText.trimmingWhitespace != target {
                        out += " (\(target))"
                    }
                }
                if blocks.contains(name) { newline(name == "p" || name.hasPrefix("h") ? 2 : 1) }
            case .text(let text):
                if hiddenDepth == 0 { append(text) }
            case .problem:
                continue
            }
        }
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingWhitespace }
        var result: [Substring] = []
        for line in lines where !(line.isEmpty && (result.last?.isEmpty ?? true)) { result.append(line) }
        while result.last?.isEmpty == true { result.removeLast() }
        return result.joined(separator: "\n")
    }
}

extension StringProtocol {
    var trimmingWhitespace: Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}
