/// Quoted-printable (RFC 2045 section 6.7) for text bodies in UTF-8.
///
/// Line breaks in the text (CRLF, bare LF, bare CR) all become CRLF; every output line is at most
/// 76 characters, with `=` soft line breaks that never split an `=XX` escape.
enum QuotedPrintable {
    /// The longest encoded line, soft-break `=` included.
    static let lineLength = 76

    static func encode(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8(encode)
    }

    /// One pass over the bytes into a buffer sized for the worst case: every byte escaped, plus a
    /// soft break for every 25 of them (this runs over every text part of every message).
    static func encode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let count = input.count
        let capacity = count * 3 + (count / 24 + 1) * 3 + 2
        return [UInt8](unsafeUninitializedCapacity: capacity) { output, written in
            var o = 0, column = 0, i = 0
            while i < count {
                let byte = input[i]
                if byte == 0x0D || byte == 0x0A {
                    output[o] = 0x0D
                    output[o + 1] = 0x0A
                    o += 2
                    column = 0
                    i += byte == 0x0D && i + 1 < count && input[i + 1] == 0x0A ? 2 : 1
                    continue
                }
                let isLast = i + 1 == count || input[i + 1] == 0x0D || input[i + 1] == 0x0A
                let literal = byte == 0x20 || byte == 0x09 ? !isLast : byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")
                let width = literal ? 1 : 3
                // The last piece may fill the line to 76; any other must leave room for the soft break.
                if column + width > (isLast ? lineLength : lineLength - 1) {
                    output[o] = UInt8(ascii: "=")
                    output[o + 1] = 0x0D
                    output[o + 2] = 0x0A
                    o += 3
                    column = 0
                }
                if literal {
                    output[o] = byte
                    o += 1
                } else {
                    output[o] = UInt8(ascii: "=")
                    output[o + 1] = hexDigit(byte >> 4)
                    output[o + 2] = hexDigit(byte & 0x0F)
                    o += 3
                }
                column += width
                i += 1
            }
            written = o
        }
    }

    @inline(__always) private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }
}
