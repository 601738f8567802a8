/// The DKIM-Signature header field (RFC 6376 §3.5) for rsa-sha256 and relaxed/relaxed, folded into lines of at most 78 characters.
struct DKIMSignatureField {
    static let name = "DKIM-Signature"
    /// RFC 5322 §2.1.1: lines SHOULD NOT be longer than 78 characters, excluding the CRLF.
    static let maximumLineLength = 78

    /// d=, the signing domain.
    let domain: String
    /// s=, the selector under `<selector>._domainkey.<domain>`.
    let selector: String
    /// t=, seconds since 1970, or nil to leave the tag out.
    let timestamp: Int?
    /// h=, the lowercase names of the signed header fields, in signing order.
    let signedHeaders: [String]
    /// bh=, the base64 SHA-256 of the canonical body.
    let bodyHash: String

    /// The whole header field without its final CRLF, with `signature` (base64) as the b= value.
    ///
    /// b= comes last, so the same text with an empty `signature` is what gets signed (RFC 6376 §3.7): after relaxed
    /// canonicalisation the two differ only in the b= value, because whitespace and line breaks all reduce to one space.
    func folded(signature: String) -> String {
        var tags: [[String]] = [["v=1;"], ["a=rsa-sha256;"], ["c=relaxed/relaxed;"], ["d=\(domain);"], ["s=\(selector);"]]
        if let timestamp {
            tags.append(["t=\(timestamp);"])
        }
        // h= may fold before each colon; b= between any two base64 characters (RFC 6376 §3.5 grammar).
        var headerList = ["h=" + (signedHeaders.first ?? "")] + signedHeaders.dropFirst().map { ":" + $0 }
        headerList[headerList.count - 1] += ";"
        tags.append(headerList)
        tags.append(["bh=\(bodyHash);"])
        // The first base64 character stays on the "b=" line so that no verifier sees a line break right after "=".
        tags.append(["b=" + signature.prefix(1)] + signature.dropFirst().map { String($0) })

        var text = Self.name + ":"
        var lineLength = text.utf8.count
        for tag in tags {
            for (index, piece) in tag.enumerated() {
                let separator = index == 0 ? " " : ""
                if lineLength + separator.utf8.count + piece.utf8.count <= Self.maximumLineLength {
                    text += separator + piece
                    lineLength += separator.utf8.count + piece.utf8.count
                } else {
                    text += "\r\n " + piece
                    lineLength = 1 + piece.utf8.count
                }
            }
        }
        return text
    }
}
