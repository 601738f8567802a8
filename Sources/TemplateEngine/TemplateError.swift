/// A problem with a template: where it is and what is wrong.
///
/// Its `description` reads `name:line:col: error: message`, then the source line and a caret under
/// the column, the way compilers report.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    /// The three families of template errors, as Jinja distinguishes them.
    public enum Kind: String, Sendable {
        /// The source does not follow the grammar (an unclosed tag, a stray `endif`).
        case syntax
        /// The source parses but cannot be compiled (an unknown filter, a wrong number of arguments).
        case compile
        /// Rendering failed (a filter given a value it cannot take, division by zero).
        case render
        /// A safety bound was reached (output size, loop iterations, nesting, time).
        case limit
    }

    public let kind: Kind
    public let message: String
    /// The template's name, as given to the compiler (a file path or a library name).
    public let templateName: String
    /// The byte offset in the template's source where the problem is.
    public let offset: Int
    let source: String

    init(_ kind: Kind, _ message: String, name: String, source: String, offset: Int) {
        self.kind = kind
        self.message = message
        self.templateName = name
        self.source = source
        self.offset = offset
    }

    /// The 1-based line of the problem.
    public var line: Int { location.line }
    /// The 1-based column of the problem, counted in characters.
    public var column: Int { location.column }

    var location: (line: Int, column: Int, lineText: Substring) {
        SourceText.location(of: offset, in: source)
    }

    /// The one-line form: `name:line:col: error: message`.
    public var summary: String { "\(templateName):\(line):\(column): error: \(message)" }

    public var description: String {
        let loc = location
        var caret = ""
        var n = 1
        for ch in loc.lineText {
            if n >= loc.column { break }
            caret.append(ch == "\t" ? "\t" : " ")
            n += 1
        }
        return "\(templateName):\(loc.line):\(loc.column): error: \(message)\n\(loc.lineText)\n\(caret)^"
    }
}

/// A failure inside a filter or value operation; the renderer adds the position.
struct FilterError: Error {
    let message: String
    let kind: TemplateError.Kind
    init(_ message: String, kind: TemplateError.Kind = .render) {
        self.message = message
        self.kind = kind
    }
}

enum SourceText {
    /// Line, column and the text of the line for a byte offset; columns count characters.
    static func location(of offset: Int, in source: String) -> (line: Int, column: Int, lineText: Substring) {
        let utf8 = source.utf8
        let clamped = max(0, min(offset, utf8.count))
        var target = utf8.index(utf8.startIndex, offsetBy: clamped)
        // Never point into the middle of a character.
        while target != utf8.endIndex && target.samePosition(in: source.unicodeScalars) == nil {
            target = utf8.index(before: target)
        }
        var line = 1
        var lineStart = source.startIndex
        var i = source.startIndex
        while i < target {
            if source[i] == "\n" || source[i] == "\r\n" {
                line += 1
                lineStart = source.index(after: i)
            }
            i = source.index(after: i)
        }
        var lineEnd = target
        while lineEnd < source.endIndex && source[lineEnd] != "\n" && source[lineEnd] != "\r\n" {
            lineEnd = source.index(after: lineEnd)
        }
        let column = source[lineStart..<target].count + 1
        return (line, column, source[lineStart..<lineEnd])
    }
}
