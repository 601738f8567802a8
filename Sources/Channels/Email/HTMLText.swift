import CHTMLScan
extension EmailHTML {
    /// The plain-text alternative of an HTML e-mail: paragraphs and rows on their own lines, links
    /// as `text (url)`, images as their alt text, nothing from `<head>`, `<style>` or `<script>`.
    public static func plainText(fromHTML html: String) -> String {
        text(fromHTML: html)
    }

    /// Whether a reader can see `needle` in the HTML: some text outside comments, `<head>`,
    /// `<style>` and the like, and outside elements hidden by the `hidden` attribute or an inline
    /// style (`display:none`, `visibility:hidden`, zero size or opacity…), contains it. It runs on
    /// every HTML e-mail composed, to check the line the service adds.
    public static func shows(_ needle: String, inHTML html: String) -> Bool {
        var bytes = Array(html.utf8)
        let wanted = Array(needle.utf8)
        guard !bytes.isEmpty, !wanted.isEmpty else { return wanted.isEmpty }
        // Plainly nested markup is answered by a stack of open elements; anything else by libxml2.
        if PlainMarkup.shows(wanted, in: bytes) == true { return true }
        // Parsed in C, and only the ancestors of the text that holds the needle come back to Swift:
        // this runs for every HTML e-mail accepted.
        return bytes.withUnsafeMutableBufferPointer { html in
            html.withMemoryRebound(to: CChar.self) { html in
                wanted.withUnsafeBufferPointer { needle in
                    needle.withMemoryRebound(to: CChar.self) { needle in
                        chtml_shows(html.baseAddress, html.count, needle.baseAddress, needle.count) { name, attributes in
                            guard let name else { return 0 }
                            return EmailHTML.hides(element: name, attributes) ? 1 : 0
                        } == 1
                    }
                }
            }
        }
    }

    /// Whether an element (name and attributes from the C scanner) hides what it contains.
    private static func hides(element name: UnsafePointer<CChar>, _ attributes: UnsafePointer<UnsafePointer<CChar>?>?) -> Bool {
        let name = String(cString: name)
        if hiddenElements.contains(name) { return true }
        // A browser gives a void element no content, even where libxml2 (`wbr`, `source`) keeps
        // what follows inside it.
        if voidElements.contains(name) { return false }
        var pairs: [(name: String, value: String)] = []
        if var p = attributes {
            while let n = p.pointee, let v = p.advanced(by: 1).pointee {
                pairs.append((String(cString: n), String(cString: v)))
                p = p.advanced(by: 2)
            }
        }
        return hides(pairs)
    }

    /// Whether an element's attributes hide it from the reader.
    static func hides(_ attributes: [(name: String, value: String)]) -> Bool {
        var scratch: [UInt8] = []
        for (name, value) in attributes {
            guard name.utf8.count <= 6 else { continue }
            let lower = name.lowercased()
            if lower == "hidden" { return true }
            guard lower == "style" else { continue }
            var value = value
            if value.withUTF8({ styleHides($0, scratch: &scratch) }) { return true }
        }
        return false
    }

    /// Whether an inline style hides its element. The declarations are searched in lowercase without
    /// whitespace (copied to `scratch`), by bytes: e-mail HTML puts a style on nearly every element.
    /// Only a style with a colon that could be a hiding declaration's is searched (`mayHide`).
    static func styleHides(_ style: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8]) -> Bool {
        mayHide(style) && styleHidesBySearch(style, scratch: &scratch)
    }

    /// Whether some colon of the style has around it, as the nearest bytes that are not white space
    /// (in lowercase), those around a hiding declaration's: `y:n` (`display:none`), `r:t`
    /// (`color:transparent`), `t:0` (`height:0`)… Most declarations of an e-mail's styles
    /// (`font-family:Arial`, `margin:0`, `font-size:14px`) are passed over at once.
    static func mayHide(_ style: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = style.count
        var colon = 0
        while colon < n {
            defer { colon += 1 }
            guard style[colon] == UInt8(ascii: ":") else { continue }
            var after = colon + 1
            while after < n, PlainMarkup.isSpace(style[after]) { after += 1 }
            var before = colon - 1
            while before >= 0, PlainMarkup.isSpace(style[before]) { before -= 1 }
            guard after < n, before >= 0 else { continue }
            if hidingPairs.contains(UInt16(PlainMarkup.lower(style[before])) << 8 | UInt16(PlainMarkup.lower(style[after]))) { return true }
        }
        return false
    }

    /// The bytes on either side of each hiding declaration's colon, as `before << 8 | after`.
    private static let hidingPairs: [UInt16] = Array(Set(hidingDeclarations.map {
        UInt16($0.text[$0.colon - 1]) << 8 | UInt16($0.text[$0.colon + 1])
    }))

    /// The search itself (`styleHides` runs it only on a style that `mayHide`).
    static func styleHidesBySearch(_ style: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8]) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        for byte in style where !PlainMarkup.isSpace(byte) {
            scratch.append(PlainMarkup.lower(byte))
        }
        // Every hiding declaration has one colon: each is looked for around each colon.
        return scratch.withUnsafeBufferPointer { style in
            for colon in style.indices where style[colon] == UInt8(ascii: ":") {
                for declaration in hidingDeclarations {
                    let start = colon - declaration.colon, end = start + declaration.text.count
                    guard start >= 0, declaration.atEnd ? end == style.count : end <= style.count else { continue }
                    if style[start..<end].elementsEqual(declaration.text) { return true }
                }
            }
            return false
        }
    }

    /// What hides an element anywhere in its style, and what hides it at the style's end (a last
    /// declaration needs no `;`).
    private static let hidingDeclarations: [(text: [UInt8], colon: Int, atEnd: Bool)] =
        (["display:none", "visibility:hidden", "opacity:0;", "font-size:0", "max-height:0", "height:0;", "color:transparent",
          "mso-hide:all", "width:0;", "line-height:0"].map { ($0, false) } + ["opacity:0", "height:0", "width:0"].map { ($0, true) })
        .map { text, atEnd in (Array(text.utf8), Array(text.utf8).firstIndex(of: UInt8(ascii: ":"))!, atEnd) }

    private static let blocks: Set<String> = ["p", "div", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
                                              "blockquote", "section", "article", "header", "footer", "hr"]
    static let hiddenElements: Set<String> = ["head", "style", "script", "title", "template"]
    static let voidElements: Set<String> = ["br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source"]

    private static func text(fromHTML html: String) -> String {
        var out = PlainTextWriter()
        var hiddenDepth = 0
        var links: [String?] = []
        var linkText = ""
        for event in scanHTML(html) {
            switch event {
            case .start(let name, let attributes, _):
                if hiddenElements.contains(name) || (hiddenDepth > 0 && !voidElements.contains(name)) {
                    hiddenDepth += 1
                    continue
                }
                guard hiddenDepth == 0 else { continue }
                if name == "br" { out.newline() }
                if name == "li" { out.newline(); out.raw("• ") }
                if name == "td" || name == "th", !out.endsWithNewline, !out.isEmpty { out.raw(" ") }
                if blocks.contains(name), name != "li" { out.newline(name == "p" || name.hasPrefix("h") ? 2 : 1) }
                if name == "img", let alt = attributes.first(where: { $0.name == "alt" })?.value, !alt.isEmpty {
                    let added = out.appendCollapsed(alt)
                    if !links.isEmpty { linkText += added }
                }
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
                        out.raw(" (\(target))")
                    }
                }
                if blocks.contains(name) { out.newline(name == "p" || name.hasPrefix("h") ? 2 : 1) }
            case .text(let text):
                if hiddenDepth == 0 {
                    let added = out.appendCollapsed(text)
                    if !links.isEmpty { linkText += added }
                }
            case .problem:
                continue
            }
        }
        let lines = out.text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingWhitespace }
        var result: [Substring] = []
        for line in lines where !(line.isEmpty && (result.last?.isEmpty ?? true)) { result.append(line) }
        while result.last?.isEmpty == true { result.removeLast() }
        return result.joined(separator: "\n")
    }
}

/// The plain text being written, as UTF-8 bytes, knowing how it ends (spaces, line breaks) without
/// looking back through it: this runs for every HTML e-mail composed.
private struct PlainTextWriter {
    private var bytes: [UInt8] = []
    private var trailingSpaces = 0
    private var trailingNewlines = 0

    var isEmpty: Bool { bytes.isEmpty }
    var endsWithNewline: Bool { trailingNewlines > 0 && trailingSpaces == 0 }
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Ends the line (dropping spaces before the break) so that it is followed by `count` line breaks in all.
    mutating func newline(_ count: Int = 1) {
        bytes.removeLast(trailingSpaces)
        trailingSpaces = 0
        guard !bytes.isEmpty, trailingNewlines < count else { return }
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "\n"), count: count - trailingNewlines))
        trailingNewlines = count
    }

    /// Text as it is.
    mutating func raw(_ text: String) {
        for byte in text.utf8 { put(byte) }
    }

    /// Text with every run of whitespace as one space, and none after a space or a line break;
    /// returns what was added.
    @discardableResult
    mutating func appendCollapsed(_ text: String) -> String {
        var added: [UInt8] = []
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if Self.isWhitespace(scalar) {
                pendingSpace = true
                continue
            }
            if pendingSpace {
                pendingSpace = false
                if !(bytes.isEmpty || trailingSpaces > 0 || trailingNewlines > 0) || !added.isEmpty {
                    put(UInt8(ascii: " "))
                    added.append(UInt8(ascii: " "))
                }
            }
            UTF8.encode(scalar) { byte in
                put(byte)
                added.append(byte)
            }
        }
        if pendingSpace, !(bytes.isEmpty || trailingSpaces > 0 || trailingNewlines > 0) {
            put(UInt8(ascii: " "))
            added.append(UInt8(ascii: " "))
        }
        return String(decoding: added, as: UTF8.self)
    }

    private mutating func put(_ byte: UInt8) {
        bytes.append(byte)
        switch byte {
        case UInt8(ascii: " "): trailingSpaces += 1
        case UInt8(ascii: "\n"): trailingNewlines = trailingSpaces == 0 ? trailingNewlines + 1 : 1; trailingSpaces = 0
        default: trailingSpaces = 0; trailingNewlines = 0
        }
    }

    /// Unicode's White_Space, as `Character.isWhitespace` has it, without a property lookup for ASCII.
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09...0x0D: true
        case 0..<0x80: false
        default: scalar.properties.isWhitespace
        }
    }
}

extension StringProtocol {
    /// The text without whitespace (spaces, tabs, line breaks) at either end, without Foundation.
    public var trimmingWhitespace: Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}
