import Testing
@testable import KassaApp

/// Endpoint URLs that could reach our own networks are refused: addresses classified from literal
/// tables, URL forms from tables, and one real resolution of `localhost`.
@Suite struct WebhookURLGuardTests {
    @Test(arguments: [
        ("8.8.8.8", AddressScope.global), ("93.184.215.14", .global), ("1.1.1.1", .global),
        ("10.0.0.1", .privateNetwork), ("10.255.255.255", .privateNetwork),
        ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork), ("172.15.255.255", .global), ("172.32.0.1", .global),
        ("192.168.0.1", .privateNetwork), ("192.169.0.1", .global),
        ("100.64.0.1", .privateNetwork), ("100.127.255.255", .privateNetwork), ("100.63.255.255", .global), ("100.128.0.1", .global),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback),
        ("169.254.169.254", .linkLocal), ("169.253.0.1", .global),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast),
        ("240.0.0.1", .reserved), ("255.255.255.255", .reserved), ("198.18.0.1", .reserved), ("192.0.2.1", .reserved),
    ])
    func ipv4AddressesAreClassified(_ address: String, _ scope: AddressScope) {
        #expect(WebhookURLGuard.scope(of: address) == scope)
    }

    @Test(arguments: [
        ("2001:4860:4860::8888", AddressScope.global), ("2606:4700::1111", .global), ("2a00:1450:4001:80b::200e", .global),
        ("::", .unspecified), ("::1", .loopback), ("0:0:0:0:0:0:0:1", .loopback),
        ("fe80::1", .linkLocal), ("febf:ffff::1", .linkLocal),
        ("fc00::1", .uniqueLocal), ("fd12:3456:789a::1", .uniqueLocal), ("fec0::1", .privateNetwork),
        ("ff02::1", .multicast), ("ff05::1:3", .multicast),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:7f00:1", .loopback), ("::ffff:10.1.2.3", .privateNetwork),
        ("::ffff:169.254.169.254", .linkLocal), ("::ffff:0.0.0.0", .unspecified), ("::ffff:8.8.8.8", .global),
        ("::127.0.0.1", .loopback), ("64:ff9b::a00:1", .privateNetwork), ("64:ff9b::808:808", .global),
        ("64:ff9b:1::1", .privateNetwork), ("2002:7f00:1::1", .loopback), ("2002:c0a8:101::1", .privateNetwork),
        ("2001:db8::1", .reserved), ("100::1", .reserved),
    ])
    func ipv6AddressesAreClassified(_ address: String, _ scope: AddressScope) {
        #expect(WebhookURLGuard.scope(of: address) == scope)
    }

    @Test func aNameIsNotAnAddress() {
        for text in ["example.com", "", "1.2.3", "::ffff:1.2.3.4.5", "fe80::1%eth0"] {
            #expect(WebhookURLGuard.scope(of: text) == nil, "\(text)")
        }
    }

    @Test(arguments: [
        ("https://hooks.example.com/kassa?x=1", "hooks.example.com", 443),
        ("HTTPS://Hooks.Example.com:8443/a/b#frag", "Hooks.Example.com", 8443),
        ("https://example.com", "example.com", 443),
        ("https://example.com.:443/", "example.com.", 443),
        ("https://my_hooks.example.com/", "my_hooks.example.com", 443),
        ("https://8.8.8.8/hook", "8.8.8.8", 443),
        ("https://[2606:4700::1111]:444/hook", "2606:4700::1111", 444),
    ])
    func aWellFormedURLGivesItsHostAndPort(_ url: String, _ host: String, _ port: Int) throws {
        let parsed = try WebhookURLGuard().parse(url)
        #expect(parsed.host == host)
        #expect(parsed.port == port)
    }

    @Test(arguments: [
        ("http://hooks.example.com/", WebhookURLError.Reason.scheme),
        ("ftp://hooks.example.com/", .scheme),
        ("://hooks.example.com/", .malformed),
        ("hooks.example.com/kassa", .malformed),
        ("https://user:secret@hooks.example.com/", .credentials),
        ("https://hooks.example.com@10.0.0.1/", .credentials),
        ("https://:@hooks.example.com/", .credentials),
        ("https://hooks example.com/", .malformed),
        ("https://hööks.example.com/", .malformed),
        ("https://hooks.example.com\\@10.0.0.1/", .malformed),
        ("https://hooks.example.com%2F/", .malformed),
        ("https:///kassa", .malformed),
        ("https://.example.com/", .malformed),
        ("https://a..example.com/", .malformed),
        ("https://127.1/", .malformed),
        ("https://2130706433/", .malformed),
        ("https://0x7f.0.0.1/", .malformed),
        ("https://0177.0.0.1/", .malformed),
        ("https://[fe80::1%25eth0]/", .malformed),
        ("https://[::1/", .malformed),
        ("https://[::1]x/", .malformed),
        ("https://hooks.example.com:0/", .malformed),
        ("https://hooks.example.com:65536/", .malformed),
        ("https://hooks.example.com:/", .malformed),
        ("https://hooks.example.com:+443/", .malformed),
        ("https://hooks.example.com:443:1/", .malformed),
        ("", .malformed),
    ])
    func aBadURLIsRefusedBeforeAnyLookup(_ url: String, _ reason: WebhookURLError.Reason) {
        let error = #expect(throws: WebhookURLError.self) { try WebhookURLGuard().parse(url) }
        #expect(error?.reason == reason, "\(error?.description ?? "")")
    }

    @Test func anOverlongURLIsRefused() {
        let url = "https://example.com/" + String(repeating: "a", count: 2100)
        #expect(throws: WebhookURLError.self) { try WebhookURLGuard().parse(url) }
    }

    @Test(arguments: [
        ("https://10.0.0.1/hook", AddressScope.privateNetwork),
        ("https://192.168.1.10/", .privateNetwork),
        ("https://100.100.100.200/", .privateNetwork),
        ("https://169.254.169.254/latest/meta-data/", .linkLocal),
        ("https://127.0.0.1/", .loopback),
        ("https://0.0.0.0/", .unspecified),
        ("https://[::1]/", .loopback),
        ("https://[::ffff:127.0.0.1]/", .loopback),
        ("https://[::ffff:a9fe:a9fe]/", .linkLocal),
        ("https://[fd00::1]/", .uniqueLocal),
        ("https://[fe80::1]/", .linkLocal),
        ("https://[ff02::1]/", .multicast),
        ("https://[::]/", .unspecified),
    ])
    func aLiteralAddressOutsideThePublicInternetIsRefused(_ url: String, _ scope: AddressScope) async {
        let error = await #expect(throws: WebhookURLError.self) { try await WebhookURLGuard().vet(url) }
        #expect(error?.reason == .forbiddenAddress(scope))
        #expect(error?.description.contains("webhooks go only to public addresses") == true)
    }

    @Test func aPublicLiteralAddressPassesAsItsOwnAnswer() async throws {
        let target = try await WebhookURLGuard().vet("https://8.8.8.8/hook")
        #expect(target == WebhookTarget(url: "https://8.8.8.8/hook", host: "8.8.8.8", port: 443, addresses: ["8.8.8.8"]))
        #expect(try await WebhookURLGuard().vet("https://[2606:4700::1111]/").addresses == ["2606:4700::1111"])
    }

    @Test func allowingLoopbackAllowsHttpAndLoopbackOnly() async throws {
        let tests = WebhookURLGuard(allowLoopback: true)
        #expect(try await tests.vet("http://127.0.0.1:8080/hook").addresses == ["127.0.0.1"])
        #expect(try await tests.vet("https://[::1]/").addresses == ["::1"])
        for (url, scope) in [("http://10.0.0.1/", AddressScope.privateNetwork), ("http://169.254.169.254/", .linkLocal),
                             ("https://[::ffff:192.168.0.1]/", .privateNetwork)] {
            let error = await #expect(throws: WebhookURLError.self) { try await tests.vet(url) }
            #expect(error?.reason == .forbiddenAddress(scope))
        }
    }

    @Test func localhostIsResolvedAndRefusedAsLoopback() async throws {
        let error = await #expect(throws: WebhookURLError.self) { try await WebhookURLGuard().vet("https://localhost/hook") }
        #expect(error?.reason == .forbiddenAddress(.loopback))
        #expect(error?.description.hasPrefix("The host localhost resolves to ") == true)
        let target = try await WebhookURLGuard(allowLoopback: true).vet("http://localhost:8080/hook")
        #expect(!target.addresses.isEmpty)
        #expect(target.addresses.allSatisfy { WebhookURLGuard.scope(of: $0) == .loopback })
        #expect(target.host == "localhost" && target.port == 8080)
    }

    @Test func aNameThatDoesNotResolveIsRefused() async {
        let error = await #expect(throws: WebhookURLError.self) { try await WebhookURLGuard().vet("https://no-such-host.invalid/") }
        #expect(error?.reason == .unresolvable)
    }
}
