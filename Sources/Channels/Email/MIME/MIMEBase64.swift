/// Base64 (RFC 4648) for encoded words and for binary MIME bodies in lines of 76 characters.
enum MIMEBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The base64 text of `bytes`, on one line.
    static func encode(_ bytes: [UInt8]) -> String {
        String(decoding: encodeBytes(bytes), as: UTF8.self)
    }

    /// The base64 of `bytes` as ASCII bytes, on one line.
    static func encodeBytes(_ bytes: [UInt8]) -> [UInt8] {
        encode(bytes, lineLength: .max)
    }

    /// A base64 body: lines of 76 characters separated by CRLF, with no line break after the last.
    static func body(_ bytes: [UInt8]) -> [UInt8] {
        encode(bytes, lineLength: 76)
    }

    /// One pass into a buffer of the exact size; `lineLength` is a multiple of 4 (or `.max`, one line).
    private static func encode(_ bytes: [UInt8], lineLength: Int) -> [UInt8] {
        let encodedCount = (bytes.count + 2) / 3 * 4
        let breaks = encodedCount == 0 || lineLength == .max ? 0 : (encodedCount - 1) / lineLength
        return alphabet.withUnsafeBufferPointer { alphabet in
            bytes.withUnsafeBufferPointer { input in
                [UInt8](unsafeUninitializedCapacity: encodedCount + breaks * 2) { output, written in
                    var o = 0, i = 0, column = 0
                    let count = input.count
                    while i < count {
                        if column == lineLength {
                            output[o] = 0x0D
                            output[o + 1] = 0x0A
                            o += 2
                            column = 0
                        }
                        let b0 = input[i]
                        let b1 = i + 1 < count ? input[i + 1] : 0
                        let b2 = i + 2 < count ? input[i + 2] : 0
                        output[o] = alphabet[Int(b0 >> 2)]
                        output[o + 1] = alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)]
                        output[o + 2] = i + 1 < count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "=")
                        output[o + 3] = i + 2 < count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "=")
                        o += 4
                        column += 4
                        i += 3
                    }
                    written = o
                }
            }
        }
    }
}
