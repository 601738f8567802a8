import COpenSSL
import Foundation

/// Encrypts secrets at rest (provider credentials, DKIM keys, webhook secrets) with AES-256-GCM
/// under a master key that lives outside the database: in `KASSA_MASTER_KEY` or a key file.
///
/// A sealed secret reads `v1:` followed by base64url(nonce ‖ ciphertext ‖ tag); a changed byte, a
/// wrong key or a secret moved to another purpose (`context`) fails to open.
struct SecretBox: Sendable {
    struct Failure: Error, CustomStringConvertible, Equatable {
        let message: String
        var description: String { message }
    }

    private let key: [UInt8]

    init(key: [UInt8]) throws(Failure) {
        guard key.count == 32 else { throw Failure(message: "a master key is 32 bytes, not \(key.count)") }
        self.key = key
    }

    /// The master key from `KASSA_MASTER_KEY` (base64url of 32 bytes) if set, else from `file`,
    /// which is created with a fresh key (mode 0600) when it does not exist.
    static func load(environment: [String: String], file: URL) throws -> SecretBox {
        if let text = environment["KASSA_MASTER_KEY"] {
            guard let key = base64URLDecode(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw Failure(message: "KASSA_MASTER_KEY is not base64url")
            }
            return try SecretBox(key: key)
        }
        if FileManager.default.fileExists(atPath: file.path) {
            let text = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let key = base64URLDecode(text) else { throw Failure(message: "\(file.path) does not hold a base64url key") }
            return try SecretBox(key: key)
        }
        let key = try Crypto.randomBytes(32)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data((Crypto.base64URL(key) + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600])
        else { throw Failure(message: "cannot create the key file \(file.path)") }
        return try SecretBox(key: key)
    }

    /// Seals `plaintext`; `context` (say, "smtp.password") is authenticated but not stored.
    func seal(_ plaintext: String, context: String) throws -> String {
        let nonce = try Crypto.randomBytes(12)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.utf8.count + 16)
        var tag = [UInt8](repeating: 0, count: 16)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw Failure(message: "cannot create a cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let plain = Array(plaintext.utf8)
        let aad = Array(context.utf8)
        var length: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              aad.isEmpty || EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1,
              EVP_EncryptUpdate(ctx, &ciphertext, &length, plain, Int32(plain.count)) == 1
        else { throw Failure(message: "encryption failed") }
        total = Int(length)
        let finished = ciphertext.withUnsafeMutableBufferPointer { buffer in
            EVP_EncryptFinal_ex(ctx, buffer.baseAddress! + total, &length)
        }
        guard finished == 1, EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1 else {
            throw Failure(message: "encryption failed")
        }
        total += Int(length)
        return "v1:" + Crypto.base64URL(nonce + ciphertext[0..<total] + tag)
    }

    /// Opens a sealed secret; throws when it was altered, sealed under another key or another context.
    func open(_ sealed: String, context: String) throws -> String {
        guard sealed.hasPrefix("v1:"), let bytes = Self.base64URLDecode(String(sealed.dropFirst(3))), bytes.count >= 28 else {
            throw Failure(message: "not a sealed secret")
        }
        let nonce = Array(bytes[0..<12])
        var tag = Array(bytes[(bytes.count - 16)...])
        let ciphertext = Array(bytes[12..<(bytes.count - 16)])
        let aad = Array(context.utf8)
        var plain = [UInt8](repeating: 0, count: ciphertext.count + 16)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw Failure(message: "cannot create a cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              aad.isEmpty || EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1,
              EVP_DecryptUpdate(ctx, &plain, &length, ciphertext, Int32(ciphertext.count)) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1
        else { throw Failure(message: "the secret cannot be opened") }
        let total = Int(length)
        let verified = plain.withUnsafeMutableBufferPointer { buffer in
            EVP_DecryptFinal_ex(ctx, buffer.baseAddress! + total, &length)
        }
        guard verified == 1, let text = String(validating: plain[0..<total], as: UTF8.self) else {
            throw Failure(message: "the secret was altered, or sealed under another key or for another use")
        }
        return text
    }

    /// A key for one purpose (say, "unsubscribe links"), derived from the master key as HMAC-SHA256
    /// of the purpose's name, so that a key used for one thing never signs another and the master
    /// key itself signs nothing.
    func derivedKey(purpose: String) -> [UInt8] {
        Crypto.hmacSHA256(key: key, message: Array("apikassa derived key: \(purpose)".utf8))
    }

    static func base64URLDecode(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { [UInt8]($0) }
    }
}
