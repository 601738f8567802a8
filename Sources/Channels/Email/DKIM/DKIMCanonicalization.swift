/// The "relaxed" header and body canonicalisations of RFC 6376 §3.4.2 and §3.4.4, on raw bytes.
///
/// ```swift
/// DKIMCanonicalization.relaxedHeaderField(Array("B : Y\t\r\n\tZ  ".utf8))   // "b:Y Z\r\n"
/// DKIMCanonicalization.relaxedBody(Array(" C \r\nD \t E\r\n\r\n\r\n".utf8))  // " C\r\nD E\r\n"
/// ```
enum DKIMCanonicalization {
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")
    private static let colon = UInt8(ascii: ":")

    /// Tells whether `byte` is WSP (RFC 5234): a space or a horizontal tab.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == UInt8(ascii: "\t")
    }

    /// Canonicalises one whole header field (name, colon, value and continuation lines, with or without its final CRLF):
    /// the name in lowercase, the value unfolded, whitespace runs reduced to one space, none around the colon or at the end, then CRLF.
    static func relaxedHeaderField(_ field: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(field.count + 2)
        guard let colonIndex = field.firstIndex(of: colon) else {
            // Not a header field; DKIMMessage never passes one, so just reduce the whitespace.
            appendReducingWhitespace(field, to: &output)
            output.append(contentsOf: [carriageReturn, lineFeed])
            return output
        }
        for byte in field[..<colonIndex] {
            output.append((UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte)
        }
        while let last = output.last, isWhitespace(last) {
            output.removeLast()
        }
        output.append(colon)
        appendReducingWhitespace(field[field.index(after: colonIndex)...], to: &output)
        output.append(contentsOf: [carriageReturn, lineFeed])
        return output
    }

    /// Appends `value` unfolded, with every whitespace run reduced to one space and none at its start or end.
    private static func appendReducingWhitespace(_ value: some Collection<UInt8>, to output: inout [UInt8]) {
        var pendingSpace = false
        var wroteAny = false
        for byte in value where byte != carriageReturn && byte != lineFeed {
            if isWhitespace(byte) {
                pendingSpace = wroteAny
            } else {
                if pendingSpace {
                    output.append(space)
                    pendingSpace = false
                }
                output.append(byte)
                wroteAny = true
            }
        }
    }

    /// Canonicalises a body: whitespace runs reduced to one space, none at line ends, empty lines at the end removed,
    /// and every line ended by CRLF; an empty body stays empty, since §3.4.4 adds a CRLF only to a non-empty body.
    ///
    /// An unterminated last line is treated as if it ended in CRLF, which is what SMTP makes of it in transit.
    static func relaxedBody(_ body: some Collection<UInt8>) -> [UInt8] {
        let body = ContiguousArray(body)
        return body.withUnsafeBufferPointer(relaxedBody)
    }

    /// One pass over the bytes into a buffer as long as the input plus a final CRLF: the output is
    /// never longer (this runs over every signed message).
    static func relaxedBody(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let count = input.count
        return [UInt8](unsafeUninitializedCapacity: count + 2) { output, written in
            var o = 0
            // The output length after the last line with content: trailing empty lines are cut back to it.
            var lengthThroughLastContent = 0
            var pendingSpace = false
            var lineHasContent = false
            var i = 0
            while i < count {
                let byte = input[i]
                if byte > space {
                    // The common case, a run of visible characters (and UTF-8), copied as it is.
                    if pendingSpace {
                        output[o] = space
                        o += 1
                        pendingSpace = false
                    }
                    var end = i + 1
                    while end < count && input[end] > space { end += 1 }
                    (output.baseAddress! + o).update(from: input.baseAddress! + i, count: end - i)
                    o += end - i
                    i = end
                    lineHasContent = true
                    continue
                }
                if byte == carriageReturn && i + 1 < count && input[i + 1] == lineFeed {
                    output[o] = carriageReturn
                    output[o + 1] = lineFeed
                    o += 2
                    if lineHasContent { lengthThroughLastContent = o }
                    pendingSpace = false
                    lineHasContent = false
                    i += 2
                    continue
                }
                if byte == space || byte == UInt8(ascii: "\t") {
                    pendingSpace = true
                } else {
                    // A bare CR or LF is content here; DKIMMessage refuses messages that have one.
                    if pendingSpace {
                        output[o] = space
                        o += 1
                        pendingSpace = false
                    }
                    output[o] = byte
                    o += 1
                    lineHasContent = true
                }
                i += 1
            }
            if lineHasContent {
                output[o] = carriageReturn
                output[o + 1] = lineFeed
                o += 2
                lengthThroughLastContent = o
            }
            written = lengthThroughLastContent
        }
    }
}
