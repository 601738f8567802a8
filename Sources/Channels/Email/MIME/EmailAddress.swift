/// An e-mail address (`local@domain`) with an optional display name, checked when made.
///
/// Only the plain dot-atom form is accepted: no quoted local parts, no comments, no non-ASCII
/// local part (SMTPUTF8 is not used). A non-ASCII domain must be given in punycode.
///
/// ```swift
/// let from = try EmailAddress("noreply@apikassa.ru", name: "ООО «Ромашка»")
/// ```
public struct EmailAddress: Sendable, Equatable, CustomStringConvertible {
    /// The addr-spec, `local@domain`, exactly as given.
    public let address: String
    /// The display name shown by mail clients, if any; any Unicode text without control characters.
    public let name: String?

    /// Checks the address and the display name; nothing is lowercased or otherwise changed.
    public init(_ address: String, name: String? = nil) throws(EmailError) {
        try EmailError.checkHeaderText(address, field: "address")
        if let name {
            try EmailError.checkHeaderText(name, field: "display name")
        }
        try Self.check(address, field: "address")
        self.address = address
        self.name = name
    }

    public var description: String {
        if let name { return "\(name) <\(address)>" }
        return address
    }

    /// The `local@domain` rules: RFC 5322 dot-atom on both sides, RFC 5321 lengths, LDH domain labels.
    static func check(_ address: String, field: String) throws(EmailError) {
        // Every message sent checks its addresses: an address that passes every rule in one pass
        // over its bytes needs nothing more; any other is looked at again to say what is wrong.
        if address.utf8.withContiguousStorageIfAvailable(Self.isPlainlyValid) == true { return }
        try checkByRule(address, field: field)
    }

    /// The rules of `check` one by one, failing with the first one the address breaks.
    static func checkByRule(_ address: String, field: String) throws(EmailError) {
        func fail(_ reason: String) -> EmailError {
            .invalidAddress(field: field, address: address, reason: reason)
        }
        guard let at = address.utf8.lastIndex(of: UInt8(ascii: "@")) else {
            throw fail("it has no '@'")
        }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !local.isEmpty else { throw fail("the part before '@' is empty") }
        guard !domain.isEmpty else { throw fail("the part after '@' is empty") }
        // By bytes: this runs for every message sent. White space beyond ASCII is looked for only
        // in an address that has something beyond ASCII.
        let ascii = address.utf8.allSatisfy { $0 < 0x80 }
        guard !(ascii ? address.utf8.contains { $0 == 0x20 || (0x09...0x0D).contains($0) } : address.contains(where: \.isWhitespace)) else {
            throw fail("it contains a space")
        }
        guard ascii || local.utf8.allSatisfy({ $0 < 0x80 }) else {
            throw fail("the part before '@' must be ASCII")
        }
        guard local.utf8.count <= 64 else { throw fail("the part before '@' is longer than 64 characters") }
        guard local.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || Self.isAtext($0) }) else {
            throw fail("the part before '@' has a character that needs quoting, such as '@', '\"', ',', '<' or '>'")
        }
        guard local.utf8.first != UInt8(ascii: "."), local.utf8.last != UInt8(ascii: "."),
              !zip(local.utf8, local.utf8.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }) else {
            throw fail("the part before '@' has a leading, trailing or doubled '.'")
        }
        guard ascii || domain.utf8.allSatisfy({ $0 < 0x80 }) else {
            throw .nonASCIIDomain(field: field, domain: String(domain))
        }
        guard domain.utf8.count <= 253 else { throw fail("the domain is longer than 253 characters") }
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty else { throw fail("the domain has an empty label") }
            guard label.utf8.count <= 63 else { throw fail("a domain label is longer than 63 characters") }
            guard label.utf8.allSatisfy({ Self.isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }),
                  !label.hasPrefix("-"), !label.hasSuffix("-") else {
                throw fail("the domain may only have letters, digits and inner hyphens in each label")
            }
        }
    }

    /// Whether the bytes are an ASCII dot-atom `local@domain` within the lengths, with LDH
    /// domain labels: the rules of `check`, in one pass and without a reason when they fail.
    static func isPlainlyValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0, at <= 64, at < bytes.count - 1,
              bytes.count - at - 1 <= 253 else { return false }
        var previous = UInt8(ascii: ".")
        for byte in bytes[..<at] {
            if byte == UInt8(ascii: ".") {
                guard previous != byte else { return false }
            } else if !isAtext(byte) {
                return false
            }
            previous = byte
        }
        guard previous != UInt8(ascii: ".") else { return false }
        var labelLength = 0
        previous = UInt8(ascii: ".")
        for byte in bytes[(at + 1)...] {
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0, previous != UInt8(ascii: "-") else { return false }
                labelLength = 0
            } else {
                guard isLetterOrDigit(byte) || (byte == UInt8(ascii: "-") && labelLength > 0), labelLength < 63 else { return false }
                labelLength += 1
            }
            previous = byte
        }
        return labelLength > 0 && previous != UInt8(ascii: "-")
    }

    /// RFC 5322 `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"),
             UInt8(ascii: "~"): true
        default: isLetterOrDigit(byte)
        }
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
