/// What the libcurl users (the SMTP transport and the providers' HTTP client) share.
enum CurlSupport {
    /// A timeout as libcurl's `_MS` options take it.
    static func milliseconds(_ d: Duration) -> Int {
        Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
    }

    /// The text libcurl left in a transfer's `CURLOPT_ERRORBUFFER`.
    static func errorText(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
