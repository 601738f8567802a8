/// Base64 (RFC 4648) for encoded words and for binary MIME bodies in lines of 76 characters.
enum MIMEBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The base64 text of `bytes`, on one line.
    static func encode(_ bytes: [UInt8]) -> String {
        String(decoding: encodeBytes(bytes), as: UTF8.self)
    }

    /// The base64 of `bytes` as ASCII bytes, on one line.
    static func encodeBytes(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return output
    }

    /// A base64 body: lines of 76 characters separated by CRLF, with no line break after the last.
    static func body(_ bytes: [UInt8]) -> [UInt8] {
        let encoded = encodeBytes(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count + encoded.count / 76 * 2)
        var start = 0
        while start < encoded.count {
            if start > 0 { output.append(contentsOf: [0x0D, 0x0A]) }
            let end = min(start + 76, encoded.count)
            output.append(contentsOf: encoded[start..<end])
            start = end
        }
        return output
    }
}
