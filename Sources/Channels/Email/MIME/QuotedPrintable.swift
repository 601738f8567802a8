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
    /// soft break for every 25 of them (this runs over every text part of every message). Escapes
    /// come from a table and go out as one 4-byte store, hence a byte of slack at the end.
    static func encode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let count = input.count
        let capacity = count * 3 + (count / 24 + 1) * 3 + 3
        return escapes.withUnsafeBufferPointer { escapes in
            [UInt8](unsafeUninitializedCapacity: capacity) { output, written in
                let out = UnsafeMutableRawPointer(output.baseAddress!)
                var o = 0, column = 0, i = 0
                while i < count {
                    let byte = input[i]
                    let escape = escapes[Int(byte)]
                    if escape == 0 && column < lineLength - 1 {
                        // A printable character with room to spare: the common case in ASCII text.
                        out.storeBytes(of: byte, toByteOffset: o, as: UInt8.self)
                        o += 1
                        column += 1
                        i += 1
                        continue
                    }
                    if byte == 0x0D || byte == 0x0A {
                        out.storeBytes(of: UInt16(0x0A0D).littleEndian, toByteOffset: o, as: UInt16.self)
                        o += 2
                        column = 0
                        i += byte == 0x0D && i + 1 < count && input[i + 1] == 0x0A ? 2 : 1
                        continue
                    }
                    let isLast = i + 1 == count || input[i + 1] == 0x0D || input[i + 1] == 0x0A
                    // Space and tab are literal except at the end of a line, where they would be lost.
                    let literal = escape == 0 || (!isLast && (byte == 0x20 || byte == 0x09))
                    let width = literal ? 1 : 3
                    // The last piece may fill the line to 76; any other must leave room for the soft break.
                    if column + width > (isLast ? lineLength : lineLength - 1) {
                        out.storeBytes(of: softBreak, toByteOffset: o, as: UInt32.self)
                        o += 3
                        column = 0
                    }
                    if literal {
                        out.storeBytes(of: byte, toByteOffset: o, as: UInt8.self)
                    } else {
                        out.storeBytes(of: escape, toByteOffset: o, as: UInt32.self)
                    }
                    o += width
                    column += width
                    i += 1
                }
                written = o
            }
        }
    }

    /// `=XX` for each byte that must be escaped (its fourth byte is slack), 0 for one written as it is.
    /// Space, tab, CR and LF are in the table too, as they need a look at what follows.
    private static let escapes: [UInt32] = (0...255).map { byte in
        if (33...126).contains(byte) && byte != Int(UInt8(ascii: "=")) { return 0 }
        let digits = Array("0123456789ABCDEF".utf8)
        return (UInt32(UInt8(ascii: "=")) | UInt32(digits[byte >> 4]) << 8 | UInt32(digits[byte & 0x0F]) << 16).littleEndian
    }

    /// `=` CR LF, with a byte of slack.
    private static let softBreak = (UInt32(UInt8(ascii: "=")) | 0x0D << 8 | 0x0A << 16).littleEndian
}
