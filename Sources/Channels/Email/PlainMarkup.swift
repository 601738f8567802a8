/// A quick answer to "does a reader see this text?" for markup that is plainly nested, where a
/// stack of open elements is the tree libxml2 would build around the text; for anything else it
/// does not answer and the caller parses the document.
///
/// It answers only "shown", and only when, in the whole document, every end tag closes the element on
/// top, a doctype comes before anything else, no element is closed by `/>` but a void one, nothing follows the closing of `<body>` or
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
        needle.withUnsafeBufferPointer { needle in
            html.withUnsafeBufferPointer { html in shows(needle, in: html) }
        }
    }

    private static func shows(_ needle: UnsafeBufferPointer<UInt8>, in html: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard let first = needle.first else { return nil }
        var stack: [(name: Name, hidden: Bool)] = []
        stack.reserveCapacity(32)
        var style: [UInt8] = []
        var hiddenDepth = 0
        var opened: Kind = []
        var inHead = false
        var closedDocument = false
        var bodyOpened = false
        var shown = false
        /// Whether an element or text other than white space has come yet.
        var begun = false
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
                let blank = html[i..<end].allSatisfy(isSpace)
                if closedDocument || inHead, !blank { return nil }
                if !blank { begun = true }
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
                if html[i...].starts(with: "<!--".utf8) {
                    guard let close = html[(i + 4)...].firstRange(of: "-->".utf8) else { return nil }
                    i = close.upperBound
                } else if !begun, n - i >= 9, html[i..<(i + 9)].elementsEqual("<!DOCTYPE".utf8, by: { lower($0) == lower($1) }) {
                    // Only before anything else: libxml2 reads a doctype further on in a way of its own.
                    guard let close = html[i...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
                    i = close + 1
                } else {
                    return nil
                }
                continue
            }
            begun = true
            let closing = next == UInt8(ascii: "/")
            var j = i + (closing ? 2 : 1)
            let nameStart = j
            while j < n, isNameByte(html[j]) { j += 1 }
            guard j > nameStart, isLetter(html[nameStart]), let name = Name(html[nameStart..<j]) else { return nil }
            let kind = kind(of: name)
            if closing {
                while j < n, isSpace(html[j]) { j += 1 }
                guard j < n, html[j] == UInt8(ascii: ">"), let top = stack.last, top.name == name, !kind.contains(.void) else { return nil }
                stack.removeLast()
                if top.hidden { hiddenDepth -= 1 }
                if kind.contains(.head) { inHead = false }
                if kind.contains(.body) || kind.contains(.html) { closedDocument = true }
                i = j + 1
                continue
            }
            if closedDocument { return nil }
            // Attributes, up to `>`.
            var hides = false
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
                var value = html[j..<j]
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
                    if value.contains(where: { $0 == UInt8(ascii: "<") || $0 == 0 }) { return nil }
                }
                // Only these two can hide an element (`EmailHTML.hides`); the others are not read.
                let isStyle = isNamed(attributeName, "style"), isHidden = !isStyle && isNamed(attributeName, "hidden")
                if isStyle || isHidden {
                    if value.contains(UInt8(ascii: "&")) { return nil }
                    if isHidden || EmailHTML.styleHides(UnsafeBufferPointer(rebasing: value), scratch: &style) { hides = true }
                }
            }
            if kind.contains(.html) || kind.contains(.head) || kind.contains(.body) {
                guard opened.isDisjoint(with: kind) else { return nil }
                opened.formUnion(kind)
            }
            if inHead, !kind.contains(.inHead) { return nil }
            // Before the body, libxml2 opens a head of its own for these, and keeps in it what follows.
            if !inHead, !bodyOpened, kind.contains(.inHead) || kind.contains(.rawText) { return nil }
            if kind.contains(.body) { bodyOpened = true }
            if kind.contains(.rawText) {
                // Its text is hidden (and never holds markup here): skip to its end tag.
                guard !selfClosing, let close = findEndTag(html[nameStart..<(nameStart + name.count)], in: html, from: j) else { return nil }
                i = close
                continue
            }
            if kind.contains(.unusual) { return nil }
            if kind.contains(.void) {
                i = j
                continue
            }
            if selfClosing { return nil }
            let hidden = hiddenDepth > 0 || kind.contains(.hiddenElement) || hides
            stack.append((name, hidden))
            if hidden { hiddenDepth += 1 }
            if kind.contains(.head) { inHead = true }
            i = j
        }
        // The whole document was read, since markup after the text could still be read otherwise.
        return shown ? true : nil
    }

    /// An element's name in lowercase, packed in two words (longer names are not plain enough).
    private struct Name: Hashable {
        var low: UInt64 = 0, high: UInt64 = 0
        var count = 0

        init?(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
            guard bytes.count <= 16 else { return nil }
            for (k, byte) in bytes.enumerated() {
                let shifted = UInt64(lower(byte)) << (8 * UInt64(k % 8))
                if k < 8 { low |= shifted } else { high |= shifted }
            }
            count = bytes.count
        }

        init(_ text: String) {
            let bytes = Array(text.utf8)
            self = bytes.withUnsafeBufferPointer { Name($0[...])! }
        }
    }

    /// What the stack needs to know of an element.
    private struct Kind: OptionSet {
        let rawValue: UInt16
        /// Without content in libxml2's HTML 4 table too (it does not know `wbr` or `source`, and
        /// would keep what follows them inside them).
        static let void = Kind(rawValue: 1 << 0)
        static let hiddenElement = Kind(rawValue: 1 << 1)
        /// What a head holds.
        static let inHead = Kind(rawValue: 1 << 2)
        /// Text the stack skips, as long as it holds no `</` before the end tag: libxml2 (not
        /// recovering) ends a script or style at the first `</` and a letter, and parses a title's
        /// markup as elements.
        static let rawText = Kind(rawValue: 1 << 3)
        /// Content libxml2 parses in a way of its own, or that may stand for a document of its own.
        static let unusual = Kind(rawValue: 1 << 4)
        static let html = Kind(rawValue: 1 << 5), head = Kind(rawValue: 1 << 6), body = Kind(rawValue: 1 << 7)
    }

    private static let kinds: [Name: Kind] = {
        var kinds: [Name: Kind] = [:]
        func add(_ names: [String], _ kind: Kind) {
            for name in names { kinds[Name(name), default: []].formUnion(kind) }
        }
        add(["br", "img", "hr", "meta", "link", "input", "col", "area", "base"], .void)
        add(Array(EmailHTML.hiddenElements), .hiddenElement)
        add(["title", "meta", "link", "style", "base", "script"], .inHead)
        add(["style", "script", "title"], .rawText)
        add(["textarea", "xmp", "plaintext", "iframe", "noembed", "noframes", "noscript", "template", "svg", "math", "select",
             "option", "object", "frameset", "frame", "listing"], .unusual)
        add(["html"], .html)
        add(["head"], .head)
        add(["body"], .body)
        return kinds
    }()

    /// `kinds` as an open-addressed table of 64 slots keyed by the name's packed bytes: every tag of
    /// every e-mail is looked up, and `Hasher` cost more than the rest of reading the tag.
    private static let kindTable: [(name: Name, kind: Kind)?] = {
        precondition(kinds.count < 48, "the table of element kinds needs more slots")
        var table = [(name: Name, kind: Kind)?](repeating: nil, count: 64)
        for (name, kind) in kinds {
            var slot = slot(of: name)
            while table[slot] != nil { slot = (slot + 1) & 63 }
            table[slot] = (name, kind)
        }
        return table
    }()

    private static func slot(of name: Name) -> Int {
        Int(truncatingIfNeeded: ((name.low ^ (name.high &* 0x100_0000_01B3)) &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }

    private static func kind(of name: Name) -> Kind {
        var slot = slot(of: name)
        while let entry = kindTable[slot] {
            if entry.name == name { return entry.kind }
            slot = (slot + 1) & 63
        }
        return []
    }

    /// Whether an attribute's name is `name` (lowercase), in any case.
    private static func isNamed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ name: StaticString) -> Bool {
        bytes.count == name.utf8CodeUnitCount
            && zip(bytes, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)).allSatisfy { lower($0) == $1 }
    }

    /// An ASCII letter in lowercase; any other byte as it is.
    static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
    private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    private static func isNameByte(_ byte: UInt8) -> Bool { isLetter(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") }
    /// HTML's white space: space, tab, line feed, carriage return, form feed.
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C }

    /// Where the text after the end tag `</name>` (any case) begins; nil when other markup (a `<`
    /// and a letter or `/`, or `<!`) comes first.
    private static func findEndTag(_ name: Slice<UnsafeBufferPointer<UInt8>>, in html: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
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
                      html[(i + 2)..<(i + 2 + name.count)].elementsEqual(name, by: { lower($0) == lower($1) })
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
