import Foundation

/// A message split into its header fields and its body, the two parts DKIM canonicalises separately.
struct DKIMMessage {
    /// One header field as it appears in the message, continuation lines included.
    struct HeaderField: Equatable {
        /// The field name in lowercase, without the whitespace that may precede the colon.
        let name: String
        /// The whole field from its name to the end of its last line, without the final CRLF.
        let bytes: ArraySlice<UInt8>
    }

    /// The header fields, top to bottom.
    let headerFields: [HeaderField]
    /// Everything after the blank line that ends the header section; empty when there is none.
    let body: ArraySlice<UInt8>

    /// Splits `message` at its first empty line, refusing bare CRs and LFs and lines that are not header fields.
    init(_ message: [UInt8]) throws(DKIMError) {
        try Self.requireCRLFLineBreaks(message)
        var fields: [ArraySlice<UInt8>] = []
        var bodyStart = message.endIndex
        var lineStart = message.startIndex
        while lineStart < message.endIndex {
            let lineEnd = Self.endOfLine(in: message, from: lineStart)
            let nextLine = min(lineEnd + 2, message.endIndex)
            if lineEnd == lineStart {
                bodyStart = nextLine
                break
            }
            if DKIMCanonicalization.isWhitespace(message[lineStart]) {
                guard let last = fields.popLast() else {
                    throw .malformedHeaderField(line: Self.lineNumber(of: lineStart, in: message))
                }
                fields.append(message[last.startIndex..<lineEnd])
            } else {
                fields.append(message[lineStart..<lineEnd])
            }
            lineStart = nextLine
        }
        var headerFields: [HeaderField] = []
        headerFields.reserveCapacity(fields.count)
        for field in fields {
            guard let name = Self.fieldName(of: field) else {
                throw .malformedHeaderField(line: Self.lineNumber(of: field.startIndex, in: message))
            }
            headerFields.append(HeaderField(name: name, bytes: field))
        }
        self.headerFields = headerFields
        self.body = message[bodyStart...]
    }

    /// The index of the CR that ends the line starting at `start`, or the end of `message` for an unterminated last line.
    private static func endOfLine(in message: [UInt8], from start: Int) -> Int {
        message[start...].firstIndex(of: UInt8(ascii: "\r")) ?? message.endIndex
    }

    /// The lowercased name before the colon, or nil when there is no colon or the name is not printable ASCII (RFC 5322 §2.2).
    private static func fieldName(of field: ArraySlice<UInt8>) -> String? {
        guard let colon = field.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        var name = field[field.startIndex..<colon]
        // RFC 5322 §4.5 (obsolete syntax) allows whitespace between the name and the colon.
        while let last = name.last, DKIMCanonicalization.isWhitespace(last) {
            name = name.dropLast()
        }
        guard !name.isEmpty, name.allSatisfy({ (33...126).contains($0) }) else { return nil }
        return String(decoding: name, as: UTF8.self).lowercased()
    }

    /// Throws for the first CR not followed by LF or LF not preceded by CR, which transports would rewrite after signing.
    private static func requireCRLFLineBreaks(_ message: [UInt8]) throws(DKIMError) {
        // Every CR must be followed by LF and every LF preceded by CR: memchr jumps from one to the next.
        let bare: Int? = message.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return nil }
            let count = bytes.count
            func firstBare(_ byte: UInt8, partner: UInt8, at offset: Int) -> Int? {
                var from = 0
                while from < count, let found = memchr(base + from, Int32(byte), count - from) {
                    let index = base.distance(to: found)
                    let other = index + offset
                    if other < 0 || other >= count || bytes[other] != partner { return index }
                    from = index + 1
                }
                return nil
            }
            let cr = firstBare(UInt8(ascii: "\r"), partner: UInt8(ascii: "\n"), at: 1)
            let lf = firstBare(UInt8(ascii: "\n"), partner: UInt8(ascii: "\r"), at: -1)
            return [cr, lf].compactMap { $0 }.min()
        }
        if let bare {
            throw .bareLineBreak(line: lineNumber(of: bare, in: message))
        }
    }

    /// The 1-based line on which the byte at `offset` lies, counting CRLF-terminated lines.
    private static func lineNumber(of offset: Int, in message: [UInt8]) -> Int {
        1 + message[..<offset].count(where: { $0 == UInt8(ascii: "\n") })
    }
}
