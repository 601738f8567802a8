import COpenSSL

/// An RSA private key held by OpenSSL, loaded from PEM, that makes RSASSA-PKCS1-v1_5 signatures over SHA-256.
///
/// `@unchecked Sendable` is safe because the `EVP_PKEY` is never modified after `init`: OpenSSL documents objects as
/// thread-safe while the calls made on them do not modify them (openssl-threads(7)), its maintainers confirm that one
/// `EVP_PKEY` may be shared for concurrent signing as libssl itself does (openssl/openssl#16496), and the operation
/// cache that `EVP_DigestSignInit_ex` fills is locked (openssl/openssl#13818). Each signature gets its own
/// `EVP_MD_CTX`, and nothing here calls the key-downgrading getters that are not thread-safe (openssl/openssl#14020).
final class RSAPrivateKey: @unchecked Sendable {
    /// The smallest modulus verifiers accept (RFC 8301 §3.2).
    static let minimumBits = 1024

    /// The key, owned by this object and freed in `deinit`.
    private let key: OpaquePointer
    /// The modulus length in bits.
    let bits: Int

    /// Loads an unencrypted RSA private key from PKCS#1 ("BEGIN RSA PRIVATE KEY") or PKCS#8 ("BEGIN PRIVATE KEY") PEM text.
    init(pem: String) throws(DKIMError) {
        guard pem.contains("-----BEGIN ") else { throw .keyNotPEM }
        // PKCS#8 "BEGIN ENCRYPTED PRIVATE KEY" and PKCS#1 "Proc-Type: 4,ENCRYPTED" both say so in the armour.
        guard !pem.contains("ENCRYPTED") else { throw .keyEncrypted }
        let text = Array(pem.utf8)
        guard let length = Int32(exactly: text.count) else { throw .keyUnreadable }
        let loaded: OpaquePointer? = text.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, length) else { return nil }
            defer { BIO_free(bio) }
            // A callback that refuses to supply a passphrase, so OpenSSL never prompts on the terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        guard let loaded else {
            ERR_clear_error()
            throw .keyUnreadable
        }
        guard EVP_PKEY_is_a(loaded, "RSA") == 1 else {
            EVP_PKEY_free(loaded)
            throw .keyNotRSA
        }
        let bits = Int(EVP_PKEY_get_bits(loaded))
        guard bits >= Self.minimumBits else {
            EVP_PKEY_free(loaded)
            throw .keyTooSmall(bits: bits)
        }
        self.key = loaded
        self.bits = bits
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Returns the RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2) of the SHA-256 digest of `data`.
    func signSHA256(_ data: [UInt8]) throws(DKIMError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .signingFailed }
        defer { EVP_MD_CTX_free(context) }
        // Owned by `context`; freed with it.
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit_ex(context, &keyContext, "SHA256", nil, nil, key, nil) == 1,
              EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) == 1 else {
            ERR_clear_error()
            throw .signingFailed
        }
        var length = Int(EVP_PKEY_get_size(key))
        var signature = [UInt8](repeating: 0, count: length)
        let status = signature.withUnsafeMutableBufferPointer { output in
            data.withUnsafeBufferPointer { input in
                EVP_DigestSign(context, output.baseAddress, &length, input.baseAddress, input.count)
            }
        }
        guard status == 1, length <= signature.count else {
            ERR_clear_error()
            throw .signingFailed
        }
        signature.removeSubrange(length...)
        return signature
    }
}
