import COpenSSL
import Synchronization

/// A cryptographic operation that could not be carried out, with a message saying why.
struct CryptoError: Error, CustomStringConvertible {
    /// What went wrong, as one plain sentence.
    let description: String
}

/// SHA-256, HMAC-SHA256, secure random bytes and constant-time comparison from OpenSSL's libcrypto, plus the encodings tokens use.
enum Crypto {
    /// The length in bytes of a SHA-256 digest and of an HMAC-SHA256 tag.
    static let sha256Length = 32

    /// The SHA-256 block length in bytes, above which HMAC hashes the key first.
    static let sha256BlockLength = 64

    /// Returns the SHA-256 digest of `bytes`.
    static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        func digest(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
            var output = [UInt8](repeating: 0, count: sha256Length)
            var length: UInt32 = 0
            let status = output.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
            precondition(status == 1 && length == sha256Length, "OpenSSL failed to compute SHA-256 (out of memory?)")
            return output
        }
        return bytes.withContiguousStorageIfAvailable(digest) ?? Array(bytes).withUnsafeBufferPointer(digest)
    }

    /// Returns the HMAC-SHA256 tag (RFC 2104) of `message` under `key`.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        // Hashing an over-long key here is what HMAC itself does, and keeps the length within HMAC()'s `int`.
        let key = key.count > sha256BlockLength ? sha256(key) : key
        var output = [UInt8](repeating: 0, count: sha256Length)
        var length: UInt32 = 0
        // OpenSSL 3.0 rejects a NULL key even with length 0, so an empty key points at a dummy byte.
        let keyStorage = key.isEmpty ? [0] : key
        let result = keyStorage.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(key.count),
                         messageBuffer.baseAddress, messageBuffer.count, outputBuffer.baseAddress, &length)
                }
            }
        }
        precondition(result != nil && length == sha256Length, "OpenSSL failed to compute HMAC-SHA256 (out of memory?)")
        return output
    }

    /// Returns `count` bytes from OpenSSL's cryptographically secure random generator.
    static func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        guard count >= 0, let length = Int32(exactly: count) else {
            throw CryptoError(description: "Cannot generate \(count) random bytes: the count must be between 0 and \(Int32.max).")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, length) }
        guard status == 1 else {
            throw CryptoError(description: "OpenSSL's random generator failed to produce \(count) bytes.")
        }
        return bytes
    }

    /// 64 random bits for an identifier, from a pool that OpenSSL's generator fills 4 KB at a time:
    /// a call of its own per identifier, with its locks and fork check, cost more than the rest of
    /// making one. Not for secrets, which take `randomBytes`.
    static func identifierBits() throws(CryptoError) -> UInt64 {
        try identifierPool.withLock { pool throws(CryptoError) -> UInt64 in
            if pool.next == pool.words.count {
                let status = pool.words.withUnsafeMutableBytes { RAND_bytes($0.baseAddress, Int32($0.count)) }
                guard status == 1 else { throw CryptoError(description: "OpenSSL's random generator failed to produce an identifier's bits.") }
                pool.next = 0
            }
            defer { pool.next += 1 }
            return pool.words[pool.next]
        }
    }

    private static let identifierPool = Mutex<(words: [UInt64], next: Int)>((Array(repeating: 0, count: 512), 512))

    /// Tells whether `a` and `b` are equal, taking time that depends on their lengths but not their contents.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    /// Returns `bytes` as lowercase hexadecimal, two digits per byte.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes hexadecimal in either case, or returns nil for an odd length or a non-hex character.
    static func fromHex(_ text: String) -> [UInt8]? {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Returns `bytes` as base64url (RFC 4648 §5) without padding, safe in URLs, headers and file names.
    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var text: [UInt8] = []
        text.reserveCapacity((bytes.count * 4 + 2) / 3)
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let end = min(start + 3, bytes.count)
            var group: UInt32 = 0
            for index in start..<start + 3 {
                group = group << 8 | (index < end ? UInt32(bytes[index]) : 0)
            }
            // n input bytes carry 8n bits, which need n + 1 six-bit characters.
            for character in 0...(end - start) {
                text.append(alphabet[Int(group >> (18 - 6 * UInt32(character)) & 0x3F)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
