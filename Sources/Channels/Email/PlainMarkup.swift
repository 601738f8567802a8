/// A quick answer to "does a reader see this text?" for markup that is plainly nested, where a
/// stack of open elements is the tree libxml2 would build around the text; for anything else it
/// does not answer and the caller parses the document.
///
/// It answers only "shown", and only when, in the whole document, every end tag closes the element on
/// top, no element is closed by `/>` but a void one, nothing follows the closing of `<body>` or
/// `<html>`, no second `<html>`, `<head>` or `<body>` opens, `<head>` holds only what a head holds
/// and nothing a head holds comes before the body outside one (libxml2 opens a head of its own for
/// it and keeps in it what follows), and the text and the hiding attributes carry no character
/// reference. libxml2 can only close elements earlier than such a stack does (a
/// block opened inside `<p>` closes it), never keep one open that the stack has closed, so the text
/// has no hiding ancestor in its tree that the stack lacks.
enum PlainMarkup {
    /// True when some run of text between tags, outside comments and raw text, holds `needle` and
    /// no open element hides it; nil when it does not, or when the markup is not plain enough to
    /// tell (the whole document is read: markup after the text could still be read otherwise).
    static func shows(_ needle: [UInt8], in html: [UInt8]) -> Bool? {
        guard let first = needle.first else { return nil }
        var stack: [(name: [UInt8], hidden: Bool)] = []
        var hiddenDepth = 0
        var opened: Set<[UInt8]> = []
        var closedDocument = false
        var bodyOpened = false
        var shown = false
        var i = 0
        let n = html.count
        while i < n {
            if html[i] != UInt8(ascii: "<") {
                // A run of text up to the next tag.
                var end = i
                var hasReference = false
                var found = false
                while end < n, html[end] != UInt8(ascii: "<") {
                    let byte = html[end]
                    if byte == 0 { return nil }
                    if byte == UInt8(ascii: "&") { hasReference = true }
                    if byte == first, end + needle.count <= n, html[end..<(end + needle.count)].elementsEqual(needle) { found = true }
                    end += 1
                }
                if closedDocument || stack.contains(where: { $0.name == head }), !html[i..<end].allSatisfy(isSpace) { return nil }
                if found {
                    if hasReference { return nil }
                    if hiddenDepth == 0 { shown = true }
                }
                i = end
                continue
            }
            // Markup.
            guard i + 1 < n else { return nil }
            let next = html[i + 1]
            if next == UInt8(ascii: "!") {
                if html[i...].starts(with: commentStart) {
                    guard let close = html[(i + 4)...].firstRange(of: commentEnd) else { return nil }
                    i = close.upperBound
                } else if html[i...].prefix(doctype.count).map({ (0x61...0x7A).contains($0) ? $0 & ~0x20 : $0 }).elementsEqual(doctype) {
                    guard let close = html[i...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
                    i = close + 1
                } else {
                    return nil
                }
                continue
            }
            let closing = next == UInt8(ascii: "/")
            var j = i + (closing ? 2 : 1)
            let nameStart = j
            while j < n, isNameByte(html[j]) { j += 1 }
            guard j > nameStart, isLetter(html[nameStart]) else { return nil }
            let name = html[nameStart..<j].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
            if closing {
                while j < n, isSpace(html[j]) { j += 1 }
                guard j < n, html[j] == UInt8(ascii: ">"), let top = stack.last, top.name == name, !voidElements.contains(name) else { return nil }
                stack.removeLast()
                if top.hidden { hiddenDepth -= 1 }
                if name == body || name == html_ { closedDocument = true }
                i = j + 1
                continue
            }
            if closedDocument { return nil }
            // Attributes, up to `>`.
            var attributes: [(name: String, value: String)] = []
            var selfClosing = false
            while true {
                while j < n, isSpace(html[j]) { j += 1 }
                guard j < n else { return nil }
                if html[j] == UInt8(ascii: ">") { j += 1; break }
                if html[j] == UInt8(ascii: "/") {
                    guard j + 1 < n, html[j + 1] == UInt8(ascii: ">") else { return nil }
                    selfClosing = true
                    j += 2
                    break
                }
                let attributeStart = j
                while j < n, !isSpace(html[j]), html[j] != UInt8(ascii: "="), html[j] != UInt8(ascii: ">"), html[j] != UInt8(ascii: "/"),
                      html[j] != UInt8(ascii: "<"), html[j] != UInt8(ascii: "\""), html[j] != UInt8(ascii: "'") { j += 1 }
                guard j > attributeStart else { return nil }
                let attributeName = html[attributeStart..<j]
                while j < n, isSpace(html[j]) { j += 1 }
                var value: ArraySlice<UInt8> = []
                if j < n, html[j] == UInt8(ascii: "=") {
                    j += 1
                    while j < n, isSpace(html[j]) { j += 1 }
                    guard j < n else { return nil }
                    if html[j] == UInt8(ascii: "\"") || html[j] == UInt8(ascii: "'") {
                        let quote = html[j]
                        guard let close = html[(j + 1)...].firstIndex(of: quote) else { return nil }
                        value = html[(j + 1)..<close]
                        j = close + 1
                    } else {
                        let valueStart = j
                        while j < n, !isSpace(html[j]), html[j] != UInt8(ascii: ">") { j += 1 }
                        value = html[valueStart..<j]
                        // `<a href=/x/>`: whether the slash ends the value or closes the tag is libxml2's to say.
                        if value.last == UInt8(ascii: "/") { return nil }
                    }
                    if value.contains(UInt8(ascii: "<")) || value.contains(0) { return nil }
                }
                // Only these two can hide an element (`EmailHTML.hides`); the others are not kept.
                if isNamed(attributeName, style) || isNamed(attributeName, hidden) {
                    if value.contains(UInt8(ascii: "&")) { return nil }
                    attributes.append((String(decoding: attributeName, as: UTF8.self), String(decoding: value, as: UTF8.self)))
                }
            }
            if name == html_ || name == head || name == body {
                guard opened.insert(name).inserted else { return nil }
            }
            let inHead = stack.contains(where: { $0.name == head })
            if inHead, !headElements.contains(name) { return nil }
            // Before the body, libxml2 opens a head of its own for these, and keeps in it what follows.
            if !inHead, !bodyOpened, headElements.contains(name) || rawTextElements.contains(name) { return nil }
            if name == body { bodyOpened = true }
            if rawTextElements.contains(name) {
                // Its text is hidden (and never holds markup here): skip to its end tag.
                guard !selfClosing, let close = findEndTag(name, in: html, from: j) else { return nil }
                i = close
                continue
            }
            if unusualElements.contains(name) { return nil }
            if voidElements.contains(name) {
                i = j
                continue
            }
            if selfClosing { return nil }
            let hidden = hiddenDepth > 0 || hiddenElements.contains(name) || EmailHTML.hides(attributes)
            stack.append((name, hidden))
            if hidden { hiddenDepth += 1 }
            i = j
        }
        // The whole document was read, since markup after the text could still be read otherwise.
        return shown ? true : nil
    }

    private static let head = Array("head".utf8), body = Array("body".utf8), html_ = Array("html".utf8), doctype = Array("<!DOCTYPE".utf8)
    private static let commentStart = Array("<!--".utf8), commentEnd = Array("-->".utf8)
    /// Elements without content in libxml2's HTML 4 table too (it does not know `wbr` or `source`,
    /// and would keep what follows them inside them).
    private static let voidElements: Set<[UInt8]> = Set(["br", "img", "hr", "meta", "link", "input", "col", "area", "base"].map { Array($0.utf8) })
    private static let hiddenElements: Set<[UInt8]> = Set(EmailHTML.hiddenElements.map { Array($0.utf8) })
    private static let headElements: Set<[UInt8]> = Set(["title", "meta", "link", "style", "base", "script"].map { Array($0.utf8) })
    /// Elements whose text the stack skips, as long as it holds no `</` before their end tag: libxml2
    /// (not recovering) ends a script or style at the first `</` and a letter, and parses a title's
    /// markup as elements.
    private static let rawTextElements: Set<[UInt8]> = Set(["style", "script", "title"].map { Array($0.utf8) })
    /// Elements whose content libxml2 parses in a way of its own, or that may stand for a document
    /// of their own.
    private static let unusualElements: Set<[UInt8]> = Set(["textarea", "xmp", "plaintext", "iframe", "noembed", "noframes", "noscript",
                                                             "template", "svg", "math", "select", "option", "object", "frameset",
                                                             "frame", "listing"].map { Array($0.utf8) })

    private static let style = Array("style".utf8), hidden = Array("hidden".utf8)

    /// Whether an attribute's name is `name` (lowercase), in any case.
    private static func isNamed(_ bytes: ArraySlice<UInt8>, _ name: [UInt8]) -> Bool {
        bytes.count == name.count && zip(bytes, name).allSatisfy { ((0x41...0x5A).contains($0) ? $0 | 0x20 : $0) == $1 }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    private static func isNameByte(_ byte: UInt8) -> Bool { isLetter(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") }
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C }

    /// Where the text after the end tag `</name>` (any case) begins; nil when other markup (a `<`
    /// and a letter or `/`, or `<!`) comes first.
    private static func findEndTag(_ name: [UInt8], in html: [UInt8], from start: Int) -> Int? {
        var i = start
        while i + 1 < html.count {
            if html[i] == UInt8(ascii: "<") {
                let next = html[i + 1]
                guard next == UInt8(ascii: "/") else {
                    if isLetter(next) || next == UInt8(ascii: "!") { return nil }
                    i += 1
                    continue
                }
                guard i + 2 + name.count <= html.count,
                      (0..<name.count).allSatisfy({ (0x41...0x5A).contains(html[i + 2 + $0]) ? html[i + 2 + $0] | 0x20 == name[$0] : html[i + 2 + $0] == name[$0] })
                else { return nil }
                var j = i + 2 + name.count
                while j < html.count, isSpace(html[j]) { j += 1 }
                guard j < html.count, html[j] == UInt8(ascii: ">") else { return nil }
                return j + 1
            }
            i += 1
        }
        return nil
    }
}
