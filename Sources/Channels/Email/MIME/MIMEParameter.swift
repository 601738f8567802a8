/// A Content-Type or Content-Disposition parameter such as a file name, written as a quoted
/// string when it is short ASCII and with RFC 2231 encoding (`filename*=utf-8''%D0%A7…`) otherwise,
/// split into numbered continuations (`filename*0*=…`, `filename*1*=…`) to keep lines short.
enum MIMEParameter {
    /// The longest piece, so that with its `;` each fits on a folded line of 76 characters.
    static let pieceLength = 74

    /// The parameter as one or more `attribute=value` pieces, to be joined with `;` and folding space.
    static func pieces(_ attribute: String, _ value: String) -> [String] {
        let isPlain = value.utf8.allSatisfy { (32...126).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        if isPlain, attribute.utf8.count + value.utf8.count + 3 <= pieceLength {
            return ["\(attribute)=\"\(value)\""]
        }
        let encoded = value.map(percentEncoded(_:))
        let single = "\(attribute)*=utf-8''" + encoded.joined()
        if single.utf8.count <= pieceLength {
            return [single]
        }
        var pieces: [String] = []
        var current = "\(attribute)*0*=utf-8''"
        var currentHasText = false
        for character in encoded {
            if currentHasText, current.utf8.count + character.utf8.count > pieceLength {
                pieces.append(current)
                current = "\(attribute)*\(pieces.count)*="
                currentHasText = false
            }
            current += character
            currentHasText = true
        }
        pieces.append(current)
        return pieces
    }

    /// One Character as RFC 2231 `attr-char`s and `%XX` escapes of its UTF-8 bytes.
    private static func percentEncoded(_ character: Character) -> String {
        var output = ""
        for byte in character.utf8 {
            if EmailAddress.isLetterOrDigit(byte) || "!#$&+-.^_`|~".utf8.contains(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
