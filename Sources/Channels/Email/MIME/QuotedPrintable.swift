/// Quoted-printable (RFC 2045 section 6.7) for text bodies in UTF-8.
///
/// Line breaks in the text (CRLF, bare LF, bare CR) all become CRLF; every output line is at most
/// 76 characters, with `=` soft line breaks that never split an `=XX` escape.
enum QuotedPrintable {
    /// The longest encoded line, soft-break `=` included.
    static let lineLength = 76

    static func encode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        var line: [UInt8] = []
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case 0x0D:
                encodeLine(line, into: &output)
                output.append(contentsOf: [0x0D, 0x0A])
                line.removeAll(keepingCapacity: true)
                previousWasCR = true
            case 0x0A:
                if !previousWasCR {
                    encodeLine(line, into: &output)
                    output.append(contentsOf: [0x0D, 0x0A])
                    line.removeAll(keepingCapacity: true)
                }
                previousWasCR = false
            default:
                line.append(byte)
                previousWasCR = false
            }
        }
        encodeLine(line, into: &output)
        return output
    }

    /// One line of the text, without its line break, as one or more soft-broken encoded lines.
    private static func encodeLine(_ line: [UInt8], into output: inout [UInt8]) {
        var column = 0
        for (index, byte) in line.enumerated() {
            let isLast = index == line.count - 1
            let literal: Bool
            switch byte {
            case 0x20, 0x09: literal = !isLast
            case UInt8(ascii: "="): literal = false
            case 33...126: literal = true
            default: literal = false
            }
            let width = literal ? 1 : 3
            // The last piece may fill the line to 76; any other must leave room for the soft break.
            if column + width > (isLast ? lineLength : lineLength - 1) {
                output.append(contentsOf: [UInt8(ascii: "="), 0x0D, 0x0A])
                column = 0
            }
            if literal {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "="))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
            column += width
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
