import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What kind of network an IP address belongs to, as far as sending webhooks is concerned.
enum AddressScope: String, Sendable, Equatable {
    /// Reachable on the public internet: the only kind webhooks go to.
    case global
    /// A private network: 10/8, 172.16/12, 192.168/16, CGNAT's 100.64/10, IPv6 site-local fec0::/10.
    case privateNetwork = "private network"
    /// This machine: 127/8, ::1.
    case loopback
    /// The local link: 169.254/16 (cloud metadata services live here), fe80::/10.
    case linkLocal = "link-local"
    /// IPv6 unique local addresses, fc00::/7, the IPv6 private networks.
    case uniqueLocal = "unique-local"
    /// No address at all: 0.0.0.0/8, ::.
    case unspecified
    /// A group address: 224/4, ff00::/8.
    case multicast
    /// Set aside and not routable on the internet: 240/4, benchmarking, documentation ranges and the like.
    case reserved
}

/// An endpoint URL that passed the guard, with the addresses its host resolved to, all vetted:
/// the sender pins the connection to them, so that a second DNS answer cannot send it elsewhere.
struct WebhookTarget: Sendable, Equatable {
    let url: String
    let host: String
    let port: Int
    let addresses: [String]
}

/// Why an endpoint URL is refused, in one sentence for the partner.
struct WebhookURLError: Error, Equatable, CustomStringConvertible {
    enum Reason: Equatable, Sendable {
        /// The URL is not written in the narrow form webhook URLs take.
        case malformed
        /// The scheme is not https (or http where that is allowed).
        case scheme
        /// The URL holds a user name or password.
        case credentials
        /// The host name did not resolve.
        case unresolvable
        /// The host is or resolves to an address of this kind.
        case forbiddenAddress(AddressScope)
    }

    let reason: Reason
    let description: String

    init(_ reason: Reason, _ description: String) {
        self.reason = reason
        self.description = description
    }
}

/// Refuses webhook URLs that could reach into our own networks (SSRF): https only, no credentials,
/// a host written plainly, and every address it resolves to public. With `allowLoopback` (for tests
/// and local development) http and loopback addresses are allowed too, and nothing else more.
///
/// ```swift
/// let target = try await WebhookURLGuard().vet("https://hooks.example.com/kassa")
/// target.addresses   // ["93.184.215.14"], what the sender pins the connection to
/// ```
struct WebhookURLGuard: Sendable {
    /// The longest URL accepted.
    static let maxURLLength = 2048

    let allowLoopback: Bool

    init(allowLoopback: Bool = false) {
        self.allowLoopback = allowLoopback
    }

    /// Checks `url` and resolves its host, off the cooperative thread pool since `getaddrinfo` blocks.
    func vet(_ url: String) async throws(WebhookURLError) -> WebhookTarget {
        let parsed = try parse(url)
        let resolved: Result<[String], WebhookURLError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(WebhookURLError) in
                    try Self.resolve(parsed.host, literal: parsed.isLiteral)
                })
            }
        }
        let addresses = try resolved.get()
        for address in addresses {
            let scope = Self.scope(of: address) ?? .reserved
            guard scope == .global || (allowLoopback && scope == .loopback) else {
                let what = parsed.isLiteral ? "The host \(parsed.host) is" : "The host \(parsed.host) resolves to \(address), which is"
                throw WebhookURLError(.forbiddenAddress(scope), "\(what) \(scope == .unspecified ? "an" : "a") \(scope.rawValue) address; webhooks go only to public addresses.")
            }
        }
        return WebhookTarget(url: url, host: parsed.host, port: parsed.port, addresses: addresses)
    }

    /// The host and port of `url` after the checks that need no DNS: the form a partner's URL is
    /// refused for at once, when the endpoint is registered.
    func parse(_ url: String) throws(WebhookURLError) -> (host: String, port: Int, isLiteral: Bool) {
        guard !url.isEmpty, url.utf8.count <= Self.maxURLLength else {
            throw WebhookURLError(.malformed, "A webhook URL is 1 to \(Self.maxURLLength) characters long.")
        }
        // Only visible ASCII and no backslash: then no two URL parsers can read a different host.
        guard url.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") }) else {
            throw WebhookURLError(.malformed, "A webhook URL holds only visible ASCII characters, with no spaces or backslashes; write an international host name in punycode.")
        }
        guard let separator = url.range(of: "://") else {
            throw WebhookURLError(.malformed, "A webhook URL starts with https://.")
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard !scheme.isEmpty else {
            throw WebhookURLError(.malformed, "A webhook URL starts with https://.")
        }
        guard scheme == "https" || (scheme == "http" && allowLoopback) else {
            throw WebhookURLError(.scheme, "Webhook URLs must use https, not \(scheme).")
        }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else {
            throw WebhookURLError(.credentials, "A webhook URL must not hold a user name or password; authenticate the webhook by its signature.")
        }
        let host: Substring, portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw WebhookURLError(.malformed, "The IPv6 address in the webhook URL has no closing bracket.")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else {
                throw WebhookURLError(.malformed, "Only a port may follow the IPv6 address in a webhook URL.")
            }
            portText = after.isEmpty ? nil : after.dropFirst()
            guard Self.addressBytes(String(host))?.count == 16 else {
                throw WebhookURLError(.malformed, "'[\(host)]' is not an IPv6 address (zone ids are not allowed).")
            }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw WebhookURLError(.malformed, "The host of a webhook URL holds one colon at most, before the port.") }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
            try Self.checkHostName(host)
        }
        var port = scheme == "https" ? 443 : 80
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(portText),
                  (1...65535).contains(number) else {
                throw WebhookURLError(.malformed, "The port of a webhook URL is a number from 1 to 65535.")
            }
            port = number
        }
        return (String(host), port, Self.addressBytes(String(host)) != nil)
    }

    /// Letters, digits, hyphens, underscores and dots, or an IPv4 address as four decimal numbers:
    /// `127.1`, `2130706433` and `0x7f.0.0.1` all mean 127.0.0.1 to some resolvers, so none is accepted.
    private static func checkHostName(_ host: Substring) throws(WebhookURLError) {
        guard !host.isEmpty, host.count <= 253 else {
            throw WebhookURLError(.malformed, "A webhook URL names a host of 1 to 253 characters.")
        }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }),
              !host.hasPrefix("."), !host.contains("..") else {
            throw WebhookURLError(.malformed, "The host '\(host)' is not a host name: use letters, digits, hyphens and dots.")
        }
        let lastLabel = host.split(separator: ".").last ?? host
        if lastLabel.first?.isNumber == true, addressBytes(String(host))?.count != 4 {
            throw WebhookURLError(.malformed, "The host '\(host)' is neither a host name nor an IPv4 address written as four decimal numbers.")
        }
    }

    /// Every address `host` resolves to, as text; a literal address is its own answer.
    static func resolve(_ host: String, literal: Bool) throws(WebhookURLError) -> [String] {
        if literal { return [host] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0 else {
            throw WebhookURLError(.unresolvable, "The host \(host) could not be resolved: \(String(cString: gai_strerror(status))).")
        }
        var addresses: [String] = []
        var entry = list
        while let current = entry?.pointee {
            entry = current.ai_next
            guard let address = current.ai_addr.flatMap(text(of:)), !addresses.contains(address) else { continue }
            addresses.append(address)
        }
        guard !addresses.isEmpty else {
            throw WebhookURLError(.unresolvable, "The host \(host) resolves to no address.")
        }
        return addresses
    }

    /// The address in a socket address as text, or nil when it is neither IPv4 nor IPv6.
    private static func text(of socketAddress: UnsafeMutablePointer<sockaddr>) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written: UnsafePointer<CChar>?
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            var address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            written = inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
        case AF_INET6:
            var address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            written = inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        default:
            return nil
        }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The 4 or 16 bytes of an IP address written as text, or nil when it is not one.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// The scope of an IP address written as text, or nil when it is not one.
    static func scope(of address: String) -> AddressScope? {
        addressBytes(address).map(scope(ofBytes:))
    }

    /// The scope of an address given as 4 (IPv4) or 16 (IPv6) bytes; an IPv6 address that carries an
    /// IPv4 one (mapped, compatible, NAT64, 6to4) has the scope of the IPv4 address.
    static func scope(ofBytes bytes: [UInt8]) -> AddressScope {
        if bytes.count == 4 { return scope(ipv4: bytes[0], bytes[1], bytes[2]) }
        precondition(bytes.count == 16, "an IP address has 4 or 16 bytes")
        let zeros = { (range: Range<Int>) in bytes[range].allSatisfy { $0 == 0 } }
        let embedded = { (at: Int) in scope(ipv4: bytes[at], bytes[at + 1], bytes[at + 2]) }
        switch (bytes[0], bytes[1]) {
        case (0, 0) where zeros(0..<16): return .unspecified
        case (0, 0) where zeros(0..<15) && bytes[15] == 1: return .loopback
        case (0, 0) where zeros(0..<10) && bytes[10] == 0xFF && bytes[11] == 0xFF: return embedded(12)   // ::ffff:a.b.c.d
        case (0, 0) where zeros(0..<12): return embedded(12)                                            // ::a.b.c.d, deprecated
        case (0x00, 0x64) where bytes[2] == 0xFF && bytes[3] == 0x9B && zeros(4..<12): return embedded(12)  // NAT64 64:ff9b::/96
        case (0x00, 0x64) where bytes[2] == 0xFF && bytes[3] == 0x9B && bytes[4] == 0 && bytes[5] == 1: return .privateNetwork  // 64:ff9b:1::/48
        case (0x01, 0x00) where zeros(2..<8): return .reserved                                          // discard 100::/64
        case (0x20, 0x01) where bytes[2] == 0x0D && bytes[3] == 0xB8: return .reserved                  // documentation 2001:db8::/32
        case (0x20, 0x02): return embedded(2)                                                           // 6to4 2002::/16
        case (0xFF, _): return .multicast
        case (0xFE, let second) where second & 0xC0 == 0x80: return .linkLocal
        case (0xFE, let second) where second & 0xC0 == 0xC0: return .privateNetwork                     // site-local, deprecated
        case (let first, _) where first & 0xFE == 0xFC: return .uniqueLocal
        default: return .global
        }
    }

    /// The scope of an IPv4 address from its first three bytes, which are all any range here needs.
    private static func scope(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8) -> AddressScope {
        switch (a, b, c) {
        case (0, _, _): return .unspecified
        case (10, _, _), (192, 168, _): return .privateNetwork
        case (100, let b, _) where b & 0xC0 == 64: return .privateNetwork     // CGNAT 100.64/10
        case (172, let b, _) where b & 0xF0 == 16: return .privateNetwork
        case (127, _, _): return .loopback
        case (169, 254, _): return .linkLocal
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): return .reserved
        case (198, let b, _) where b & 0xFE == 18: return .reserved            // benchmarking 198.18/15
        case (224...239, _, _): return .multicast
        case (240...255, _, _): return .reserved                                 // 240/4 and the broadcast address
        default: return .global
        }
    }
}
